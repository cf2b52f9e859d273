"""NetSuite REST API calls (Action NA): the employee sync, its errors, and the rows whose
payloads hold text a careless UI would interpret.

A part of `generate.Demo` (one random stream: see generate.py), which mixes it in."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from tools.demo.model import (
    NETSUITE,
    NETSUITE_ACCOUNT,
    NETSUITE_HOST,
    NETSUITE_LOGIN,
    User,
)
from tools.demo.payloads import (
    b64,
    http,
    pretty,
    q,
)


class NetSuiteEvents:
    # ----- NetSuite API calls (Action NA)

    def netsuite_sync(self, when: datetime) -> None:
        """One employee-sync run: a SuiteQL query, then a few record reads/updates."""
        t = when
        login = NETSUITE_LOGIN
        since = (when - timedelta(hours=2)).strftime("%m/%d/%Y %I:%M %p")
        query = {
            "q": "SELECT id, email, firstname, lastname, department, isinactive FROM employee "
            f"WHERE lastmodifieddate >= TO_DATE('{since}', 'MM/DD/YYYY HH:MI AM')"
        }
        changed = self.rng.sample(self.users, self.rng.randrange(0, 4))
        items = [self.netsuite_employee(u) for u in changed]
        self.add(
            t,
            NETSUITE,
            "NA",
            "Authentication-Applications",
            login,
            self.netsuite_request(
                "POST",
                "/services/rest/query/v1/suiteql?limit=1000",
                query,
                extra=[("Prefer", "transient")],
            ),
            self.netsuite_ok(
                {
                    "links": [],
                    "count": len(items),
                    "hasMore": False,
                    "items": items,
                    "offset": 0,
                    "totalResults": len(items),
                }
            ),
        )
        for user in changed:
            t += timedelta(seconds=self.rng.randrange(1, 4))
            employee = self.netsuite_employee(user)
            path = f"/services/rest/record/v1/employee/{employee['id']}"
            patch = {"email": user.email, "department": {"id": str(10 + len(user.department))}}
            if self.rng.random() < 0.18:
                self.add(
                    t,
                    NETSUITE,
                    "NA",
                    "Authentication-Applications",
                    login,
                    self.netsuite_request("PATCH", path, patch),
                    self.netsuite_error(
                        400,
                        "Bad Request",
                        "INVALID_VALUE",
                        "Invalid value for the resource or sub-resource "
                        "field 'department'. Provide a valid value.",
                        "department",
                    ),
                    "netsuite_4xx",
                )
            else:
                self.add(
                    t,
                    NETSUITE,
                    "NA",
                    "Authentication-Applications",
                    login,
                    self.netsuite_request("PATCH", path, patch),
                    http("204 No Content", [("Location", f"{NETSUITE_HOST}{path}")]),
                )

    def netsuite_employee(self, user: User) -> dict[str, object]:
        number = 1000 + int(hashlib.sha256(user.email.encode()).hexdigest()[:6], 16) % 9000
        return {
            "links": [],
            "id": str(number),
            "email": user.email,
            "firstname": user.given,
            "lastname": user.family,
            "department": user.department,
            "isinactive": "F",
        }

    def netsuite_request(
        self,
        method: str,
        path: str,
        body: Mapping[str, object] | None = None,
        extra: list[tuple[str, str]] | None = None,
    ) -> str:
        # Token-based auth header: commas and quotes that make CSV quoting necessary.
        auth = (
            f'OAuth realm="{NETSUITE_ACCOUNT}", oauth_consumer_key="{self.hexid(64)}", '
            f'oauth_token="{self.hexid(64)}", oauth_signature_method="HMAC-SHA256", '
            f'oauth_timestamp="{self.rng.randrange(1772400000, 1773100000)}", '
            f'oauth_nonce="{self.alnum(20)}", oauth_version="1.0", '
            f'oauth_signature="{q(b64(hashlib.sha256(self.alnum(8).encode()).digest()))}"'
        )
        lines = [f"{method} {NETSUITE_HOST}{path}", f"Authorization: {auth}"]
        lines += [f"{k}: {v}" for k, v in extra or []]
        if body is None:
            return "\n".join(lines)
        lines.append("Content-Type: application/json")
        return "\n".join(lines) + "\n\n" + pretty(body)

    def netsuite_ok(self, body: dict[str, object]) -> str:
        return http(
            "200 OK",
            [("Content-Type", "application/vnd.oracle.resource+json; type=collection")],
            pretty(body),
        )

    def netsuite_error(
        self, status: int, title: str, code: str, detail: str, path: str | None = None
    ) -> str:
        """NetSuite REST's RFC 9110-style error document."""
        error: dict[str, object] = {"detail": detail, "o:errorCode": code}
        if path:
            error["o:errorPath"] = path
        body = {
            "type": f"https://www.rfc-editor.org/rfc/rfc9110.html#section-15.5.{status - 399}",
            "title": title,
            "status": status,
            "o:errorDetails": [error],
        }
        return http(
            f"{status} {title}",
            [("Content-Type", "application/vnd.oracle.resource+json; type=error")],
            pretty(body),
        )

    def netsuite_standalone_errors(self) -> None:
        """Auth and rate-limit errors outside the regular sync runs."""
        path = "/services/rest/record/v1/employee?limit=100"
        for _ in range(4):
            t = self.business_time()
            self.add(
                t,
                NETSUITE,
                "NA",
                "Authentication-Applications",
                NETSUITE_LOGIN,
                self.netsuite_request("GET", path),
                self.netsuite_error(
                    401,
                    "Unauthorized",
                    "INVALID_LOGIN",
                    "Invalid login attempt. For more details, see the "
                    "Login Audit Trail in the NetSuite UI at Setup > "
                    "Users/Roles > User Management > View Login Audit "
                    "Trail.",
                ),
                "netsuite_4xx",
            )
        for _ in range(3):
            t = self.business_time()
            self.add(
                t,
                NETSUITE,
                "NA",
                "Authentication-Applications",
                NETSUITE_LOGIN,
                self.netsuite_request("GET", path),
                self.netsuite_error(
                    429,
                    "Too Many Requests",
                    "CONCURRENCY_LIMIT_EXCEEDED",
                    "Concurrent request limit exceeded. Request blocked.",
                ),
                "netsuite_4xx",
            )

    def hostile_rows(self) -> None:
        """Payloads holding text that a careless UI would interpret: Rich markup and a
        raw ANSI escape. connlog must render them literally. They arrive the way such
        text really does: typed by users into fields that a sync copies around."""
        jane = self.users[0]
        path = "/services/rest/record/v1/employee/4242"
        t = datetime(2026, 3, 4, 15, 12, 41, tzinfo=UTC)
        employee = self.netsuite_employee(jane) | {"custentity_nickname": "[bold red]x[/]"}
        self.add(
            t,
            NETSUITE,
            "NA",
            "Authentication-Applications",
            NETSUITE_LOGIN,
            self.netsuite_request("GET", path),
            http(
                "200 OK",
                [("Content-Type", "application/vnd.oracle.resource+json; type=singular")],
                pretty(employee),
            ),
            "hostile",
        )
        t = datetime(2026, 3, 5, 10, 48, 3, tzinfo=UTC)
        patch = {"comments": "see [link=https://evil.example]click[/link] for details"}
        self.add(
            t,
            NETSUITE,
            "NA",
            "Authentication-Applications",
            NETSUITE_LOGIN,
            self.netsuite_request("PATCH", path, patch),
            self.netsuite_error(
                400,
                "Bad Request",
                "INVALID_VALUE",
                "Invalid value '[link=https://evil.example]click[/link]' for field 'comments'.",
                "comments",
            ),
            "hostile",
        )
        t = datetime(2026, 3, 6, 13, 30, 17, 250000, tzinfo=UTC)
        # A proxy in front of NetSuite answered with its own coloured console text.
        body = "upstream connect error: \x1b[31mred\x1b[0m (reset reason: connection timeout)"
        self.add(
            t,
            NETSUITE,
            "NA",
            "Authentication-Applications",
            NETSUITE_LOGIN,
            self.netsuite_request("GET", path),
            http("502 Bad Gateway", [("Content-Type", "text/plain")], body),
            "hostile",
        )
