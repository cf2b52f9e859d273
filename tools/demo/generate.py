"""Deterministic generator for connlog's built-in demo data.

Two files are written, covering the same users, apps and week:

* ``demo_connector_log.csv`` -- a MangoApps-style "Connector Log" export: SSO/SLO logins
  (SAML and OAuth 2.0) and NetSuite API calls, with realistic payloads and a visible
  incident on the last morning (Workday SSO failing because of IdP clock skew).
* ``demo_okta_system_log.jsonl`` -- the identity provider's side of the same story, in the
  Okta System Log event schema, so an admin can line up IdP failures with connector ones.

Everything is derived from one seeded ``random.Random`` and a fixed end instant, so running
``python -m tools.demo.generate`` always reproduces the shipped files byte for byte (the tests
check this). Nothing here reads the clock, the environment or iterates a set.

The payloads are fake but well-formed: SAML messages are real XML with placeholder (not
verifiable) signatures, JWTs are real compact JWS with a fixed dummy signature, and every
host name is under ``.example`` except the public Google/Microsoft OAuth endpoints, which
appear exactly as a real connector would record them.

`Demo` builds the week event by event from one random stream (the shipped files depend on
the order of its draws). Each protocol's events are a part of it in a module of their own
(okta.py, saml.py, oauth.py, netsuite.py); the fixed world is in model.py and the payload
builders in payloads.py.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connlog_tui.schema import CONNECTOR_LOG_COLUMNS, HEADERS
from tools.demo.model import (
    ALNUM,
    APP_WEIGHTS,
    CSV_NAME,
    DOMAIN,
    END,
    GOOGLE_DEPARTMENTS,
    INCIDENT_APP,
    INCIDENT_END,
    INCIDENT_START,
    LOGIN_SPELLINGS,
    OFFICES,
    OKTA_NAME,
    PEOPLE,
    SALESFORCE_DEPARTMENTS,
    SAML_APPS,
    SEED,
    START,
    USER_AGENTS,
    User,
)
from tools.demo.netsuite import NetSuiteEvents
from tools.demo.oauth import OAuthEvents
from tools.demo.okta import OktaEvents
from tools.demo.payloads import (
    iso,
)
from tools.demo.saml import SamlEvents

# --------------------------------------------------------------------------- the generator


@dataclass
class Row:
    when: datetime
    app: str
    action: str
    request_type: str
    login: str
    request: str
    response: str
    kind: str = ""  # internal label (failure kind, etc.), not written to the CSV


@dataclass
class Demo(OktaEvents, SamlEvents, OAuthEvents, NetSuiteEvents):
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    users: list[User] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    okta: list[tuple[datetime, int, dict[str, object]]] = field(default_factory=list)
    authn_failures: int = 0

    # ----- random identifiers

    def hexid(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def alnum(self, n: int) -> str:
        return "".join(self.rng.choice(ALNUM) for _ in range(n))

    def uuid(self) -> str:
        h = self.hexid(32)
        # Okta event uuids are time-based (version 1) UUIDs.
        return f"{h[:8]}-{h[8:12]}-11f0-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"

    # ----- time

    def business_time(self, start: datetime = START, end: datetime = END) -> datetime:
        """A random second in [start, end), denser in office hours and on weekdays."""
        span = int((end - start).total_seconds())
        while True:
            t = start + timedelta(seconds=self.rng.randrange(span))
            hour = t.hour
            weight = 1.0 if 8 <= hour < 18 else 0.3 if 6 <= hour < 21 else 0.03
            if t.weekday() >= 5:
                weight *= 0.12
            if self.rng.random() < weight:
                return t

    def maybe_fraction(self, t: datetime) -> datetime:
        """A few rows carry fractional seconds, as some connector versions wrote them."""
        if self.rng.random() < 0.008:
            return t + timedelta(milliseconds=self.rng.choice((125, 250, 500, 750)))
        return t

    # ----- people

    def make_users(self) -> None:
        for given, family, department in PEOPLE:
            city, country, net = OFFICES[self.rng.randrange(len(OFFICES))]
            apps = ["MangoApps", "Workday (SAML)"]
            apps.append(
                "OAuth 2.0 Google Apps"
                if department in GOOGLE_DEPARTMENTS
                else "OAuth 2.0 Office 365"
            )
            if department in SALESFORCE_DEPARTMENTS:
                apps.append("Salesforce (SAML)")
            if self.rng.random() < 0.8:
                apps.append("Zoom (SAML)")
            self.users.append(
                User(
                    given=given,
                    family=family,
                    department=department,
                    email=f"{given.lower()}.{family.lower()}@{DOMAIN}",
                    okta_id="00u" + self.alnum(17),
                    ip=net + str(self.rng.randrange(10, 250)),
                    city=city,
                    country=country,
                    agent=USER_AGENTS[self.rng.randrange(len(USER_AGENTS))],
                    apps=apps,
                    groups=["Everyone", f"acme-{department.lower()}"],
                )
            )

    def login_as_typed(self, user: User) -> str:
        """The login as the connector saw it. A few users show up with odd spellings so
        that identity normalisation (case, spaces, plus-addressing) has work to do. The
        spellings rotate, rather than being drawn at random, so each one surely appears."""
        spellings = LOGIN_SPELLINGS.get(user.email)
        if not spellings:
            return user.email
        user.logins += 1
        return spellings[user.logins % len(spellings)]

    def pick_user(self, app: str) -> User:
        candidates = [u for u in self.users if app in u.apps]
        return candidates[self.rng.randrange(len(candidates))]

    def pick_app(self, user: User) -> str:
        weights = [APP_WEIGHTS[a] for a in user.apps]
        return self.rng.choices(user.apps, weights=weights)[0]

    def add(
        self,
        when: datetime,
        app: str,
        action: str,
        rtype: str,
        login: str,
        request: str,
        response: str,
        kind: str = "",
    ) -> None:
        self.rows.append(Row(when, app, action, rtype, login, request, response, kind))

    # ----- the week

    def sso(self, when: datetime, user: User, app: str, failure: str = "") -> None:
        if app in SAML_APPS:
            self.saml_sso(when, user, app, failure)
        else:
            self.oauth_sso(when, user, app, failure)

    def build(self) -> None:
        self.make_users()
        # Flows are generated per user in time order so the Okta session state is right.
        plans: list[tuple[datetime, int, str, User, str, str]] = []

        def plan(when: datetime, kind: str, user: User, app: str, failure: str = "") -> None:
            plans.append((when, len(plans), kind, user, app, failure))

        for _ in range(585):
            user = self.users[self.rng.randrange(len(self.users))]
            plan(self.business_time(), "sso", user, self.pick_app(user))

        # Scattered failures of every kind, each several times (see module docstring).
        scattered = [
            ("authn_failed", ("MangoApps", "Salesforce (SAML)", "Zoom (SAML)"), 9),
            ("expired", ("MangoApps", "Zoom (SAML)"), 4),
            ("not_yet_valid", ("MangoApps", "Salesforce (SAML)", "Workday (SAML)"), 5),
            ("audience", ("Salesforce (SAML)",), 6),
            ("destination", ("Zoom (SAML)", "MangoApps"), 5),
            ("irt_missing", ("MangoApps", "Workday (SAML)"), 3),
            ("irt_unknown", ("MangoApps", "Salesforce (SAML)"), 3),
            ("invalid_grant", ("OAuth 2.0 Google Apps", "OAuth 2.0 Office 365"), 6),
            ("redirect_uri_mismatch", ("OAuth 2.0 Google Apps",), 4),
            ("jwt_expired", ("OAuth 2.0 Google Apps", "OAuth 2.0 Office 365"), 4),
            ("http_500", ("MangoApps", "Zoom (SAML)", "OAuth 2.0 Office 365"), 5),
            ("abandoned", tuple(APP_WEIGHTS), 14),
        ]
        for failure, apps, count in scattered:
            for i in range(count):
                app = apps[i % len(apps)]
                plan(self.business_time(), "sso", self.pick_user(app), app, failure)

        # Office 365 client secret expired on Thursday afternoon until IT rotated it.
        secret_start = datetime(2026, 3, 5, 14, 2, 0, tzinfo=UTC)
        for _ in range(6):
            t = secret_start + timedelta(seconds=self.rng.randrange(50 * 60))
            app = "OAuth 2.0 Office 365"
            plan(t, "sso", self.pick_user(app), app, "invalid_client")

        # The incident: Workday logins on Monday morning hit the skewed IdP node ~85% of
        # the time; people retry, so some users appear two or three times.
        t = INCIDENT_START
        while t < INCIDENT_END:
            user = self.pick_user(INCIDENT_APP)
            for _ in range(self.rng.choice((1, 1, 2, 3))):
                failure = "expired" if self.rng.random() < 0.85 else ""
                plan(t, "sso", user, INCIDENT_APP, failure)
                t += timedelta(seconds=self.rng.randrange(40, 150))
            t += timedelta(seconds=self.rng.randrange(120, 600))

        # Sign-outs: mostly fine, some with no IdP session left to end.
        for i in range(64):
            failure = "unknown_principal" if i % 9 == 0 else "partial_logout" if i == 31 else ""
            user = self.users[self.rng.randrange(len(self.users))]
            saml_apps = [a for a in user.apps if a in SAML_APPS]
            plan(self.business_time(), "slo", user, saml_apps[i % len(saml_apps)], failure)

        plans.sort(key=lambda p: (p[0], p[1]))
        for when, _, kind, user, app, failure in plans:
            if kind == "slo":
                self.saml_slo(when, user, app, failure)
            else:
                self.sso(when, user, app, failure)

        # NetSuite employee sync every two hours on weekdays, hourly-ish jitter.
        t = START + timedelta(minutes=7)
        while t < END:
            if t.weekday() < 5 and 6 <= t.hour < 20:
                self.netsuite_sync(t + timedelta(seconds=self.rng.randrange(0, 90)))
            t += timedelta(hours=1)
        self.netsuite_standalone_errors()
        self.hostile_rows()

        # Time order (stable on ties), and nothing past the fixed end instant.
        self.rows = [r for r in self.rows if r.when < END]
        self.rows.sort(key=lambda r: r.when)
        self.okta = [e for e in self.okta if e[0] < END]
        self.okta.sort(key=lambda e: (e[0], e[1]))


# --------------------------------------------------------------------------- output


# The package ships the generated files, not this generator.
DATA = Path(__file__).resolve().parents[2] / "connlog_tui" / "data"


def build_demo() -> Demo:
    demo = Demo()
    demo.build()
    return demo


def write_demo(directory: Path) -> list[Path]:
    """Generate both demo files into ``directory``; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    demo = build_demo()
    csv_path = directory / CSV_NAME
    with csv_path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow([HEADERS[name] for name in CONNECTOR_LOG_COLUMNS])
        for r in demo.rows:
            cells = {
                "time": iso(r.when),
                "app": r.app,
                "action": r.action,
                "request_type": r.request_type,
                "user": r.login,
                "request": r.request,
                "response": r.response,
            }
            writer.writerow([cells[name] for name in CONNECTOR_LOG_COLUMNS])
    okta_path = directory / OKTA_NAME
    with okta_path.open("w", encoding="utf-8", newline="") as f:
        for _, _, event in demo.okta:
            f.write(json.dumps(event, ensure_ascii=False) + "\n")
    return [csv_path, okta_path]


def main() -> None:
    for path in write_demo(DATA):
        print(path)


if __name__ == "__main__":
    main()
