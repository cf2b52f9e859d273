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

This module is long for a reason: `Demo` builds the week event by event from one random
stream, and the shipped files depend on the order of its draws; the fixed world is in
model.py and the payload builders in payloads.py.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from connlog_tui.schema import CONNECTOR_LOG_COLUMNS, HEADERS
from tools.demo.model import (
    ALNUM,
    APP_WEIGHTS,
    AUTHN_FAILURE_REASONS,
    CSV_NAME,
    DOMAIN,
    END,
    GOOGLE_DEPARTMENTS,
    IDP,
    INCIDENT_APP,
    INCIDENT_END,
    INCIDENT_START,
    LOGIN_SPELLINGS,
    NETSUITE,
    NETSUITE_ACCOUNT,
    NETSUITE_HOST,
    NETSUITE_LOGIN,
    OAUTH_APPS,
    OFFICES,
    OKTA_NAME,
    PEOPLE,
    SALESFORCE_DEPARTMENTS,
    SAML_APPS,
    SEED,
    SESSION_LIFETIME,
    START,
    TENANT,
    USER_AGENTS,
    OAuthApp,
    SamlApp,
    User,
)
from tools.demo.payloads import (
    Assertion,
    authn_request_xml,
    b64,
    b64url,
    compact,
    http,
    iso,
    iso_ms,
    jwt,
    logout_request_xml,
    logout_response_xml,
    post_binding,
    pretty,
    q,
    redirect_binding,
    saml_response_xml,
)

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
class Demo:
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

    # ----- Okta System Log events

    def okta_event(
        self,
        when: datetime,
        user: User,
        event_type: str,
        message: str,
        legacy: str,
        result: str = "SUCCESS",
        reason: str | None = None,
        targets: list[dict[str, object]] | None = None,
        credential: str | None = None,
        request_uri: str = "/idp/idx/identify",
    ) -> None:
        raw_ua, os_name, browser = user.agent
        transaction = self.alnum(27)
        event = {
            "actor": {
                "id": user.okta_id,
                "type": "User",
                "alternateId": user.email,
                "displayName": user.display_name,
                "detailEntry": None,
            },
            "client": {
                "userAgent": {"rawUserAgent": raw_ua, "os": os_name, "browser": browser},
                "zone": "null",
                "device": "Computer",
                "id": None,
                "ipAddress": user.ip,
                "geographicalContext": {"city": user.city, "country": user.country},
            },
            "authenticationContext": {
                "authenticationProvider": "OKTA_AUTHENTICATION_PROVIDER" if credential else None,
                "credentialProvider": "OKTA_CREDENTIAL_PROVIDER" if credential else None,
                "credentialType": credential,
                "issuer": None,
                "interface": None,
                "authenticationStep": 0,
                "externalSessionId": user.session_id or ("idx" + self.alnum(22)),
            },
            "displayMessage": message,
            "eventType": event_type,
            "outcome": {"result": result, "reason": reason},
            "published": iso_ms(when),
            "securityContext": {
                "asNumber": 64496,
                "asOrg": "acme corp",
                "isp": "example transit",
                "domain": DOMAIN,
                "isProxy": False,
            },
            "severity": "INFO" if result == "SUCCESS" else "WARN",
            "debugContext": {
                "debugData": {
                    "requestId": transaction,
                    "requestUri": request_uri,
                    "url": request_uri,
                }
            },
            "legacyEventType": legacy,
            "transaction": {"type": "WEB", "id": transaction, "detail": {}},
            "uuid": self.uuid(),
            "version": "0",
            "request": {
                "ipChain": [
                    {
                        "ip": user.ip,
                        "geographicalContext": {"city": user.city, "country": user.country},
                        "version": "V4",
                        "source": None,
                    }
                ]
            },
            "target": targets or [],
        }
        self.okta.append((when, len(self.okta), event))

    def okta_app_target(self, app: SamlApp) -> dict[str, object]:
        return {
            "id": app.okta_app_id,
            "type": "AppInstance",
            "alternateId": app.okta_label,
            "displayName": app.okta_label,
            "detailEntry": {"signOnModeType": "SAML_2_0"},
        }

    def okta_user_target(self, user: User) -> dict[str, object]:
        return {
            "id": user.okta_id,
            "type": "User",
            "alternateId": user.email,
            "displayName": user.display_name,
            "detailEntry": None,
        }

    def okta_sign_in(self, user: User, when: datetime) -> datetime:
        """Password + Okta Verify when the user has no live IdP session; returns the
        instant the user is signed in to the IdP."""
        if user.session_until > when:
            return when
        user.session_id = "idx" + self.alnum(22)
        t = when + timedelta(milliseconds=self.rng.randrange(4000, 15000))
        # Now and then a mistyped password first: everyday noise around the real failures.
        if self.rng.random() < 0.06:
            self.okta_event(
                t,
                user,
                "user.session.start",
                "User login to Okta",
                "core.user_auth.login_failed",
                "FAILURE",
                "INVALID_CREDENTIALS",
                credential="PASSWORD",
            )
            t += timedelta(milliseconds=self.rng.randrange(6000, 20000))
        mfa = t + timedelta(milliseconds=self.rng.randrange(5000, 14000))
        remembered = self.rng.random() < 0.5  # "Do not challenge me on this device"
        if not remembered:
            self.okta_event(
                mfa,
                user,
                "user.authentication.auth_via_mfa",
                "Authentication of user via MFA",
                "core.user.factor.attempt_success",
                credential="OTP",
                targets=[self.okta_verify_target()],
                request_uri="/idp/idx/challenge/answer",
            )
        start = mfa + timedelta(milliseconds=self.rng.randrange(200, 900))
        self.okta_event(
            start,
            user,
            "user.session.start",
            "User login to Okta",
            "core.user_auth.login_success",
            credential="PASSWORD",
        )
        user.session_started = start
        user.session_until = start + SESSION_LIFETIME
        return start

    def okta_verify_target(self) -> dict[str, object]:
        return {
            "id": "pfd4ov1Xk8Lm2Np7q697",
            "type": "AuthenticatorEnrollment",
            "alternateId": "unknown",
            "displayName": "Okta Verify",
            "detailEntry": None,
        }

    def okta_failed_sign_in(self, user: User, when: datetime, reason: str) -> datetime:
        """The IdP side of a Responder/AuthnFailed: the user could not authenticate."""
        user.session_id = "idx" + self.alnum(22)
        t = when + timedelta(milliseconds=self.rng.randrange(4000, 12000))
        if reason == "VERIFICATION_ERROR":
            # Password was fine, the Okta Verify challenge was not.
            self.okta_event(
                t,
                user,
                "user.authentication.auth_via_mfa",
                "Authentication of user via MFA",
                "core.user.factor.attempt_fail",
                "FAILURE",
                "VERIFICATION_ERROR",
                credential="OTP",
                targets=[self.okta_verify_target()],
                request_uri="/idp/idx/challenge/answer",
            )
            return t
        attempts = 1 if reason == "INVALID_CREDENTIALS" else 3
        for _ in range(attempts):
            self.okta_event(
                t,
                user,
                "user.session.start",
                "User login to Okta",
                "core.user_auth.login_failed",
                "FAILURE",
                "INVALID_CREDENTIALS",
                credential="PASSWORD",
            )
            t += timedelta(milliseconds=self.rng.randrange(5000, 15000))
        if reason == "LOCKED_OUT":
            self.okta_event(
                t,
                user,
                "user.account.lock",
                "Max sign in attempts exceeded",
                "core.user.account.locked",
                "FAILURE",
                "LOCKED_OUT",
                targets=[self.okta_user_target(user)],
            )
            t += timedelta(milliseconds=self.rng.randrange(20000, 60000))
            self.okta_event(
                t,
                user,
                "user.session.start",
                "User login to Okta",
                "core.user_auth.login_failed",
                "FAILURE",
                "User locked out",
                credential="PASSWORD",
            )
        return t

    # ----- SAML SSO flows

    def saml_sso(self, when: datetime, user: User, app_name: str, failure: str = "") -> None:
        """One SP-initiated SAML login: an SSO Initiated row (AuthnRequest via redirect)
        and, unless the user gave up, its SSO Successful/Failed row (the posted Response).

        ``failure`` names what goes wrong; the payload carries the evidence.
        """
        app = SAML_APPS[app_name]
        login = self.login_as_typed(user)
        when = self.maybe_fraction(when)
        request_id = "_" + self.hexid(40)
        relay = app.landing if self.rng.random() < 0.7 else f"{app.landing}?ref=portal"
        self.add(
            when,
            app.name,
            "SSO Initiated",
            app.auth_type,
            login,
            redirect_binding(
                app.idp_sso, "SAMLRequest", authn_request_xml(request_id, when, app), relay
            ),
            http(
                "302 Found",
                [
                    (
                        "Location",
                        f"{IDP}/login/login.htm?fromURI="
                        + q(f"/app/{app.slug}/{app.okta_app_id}/sso/saml"),
                    )
                ],
            ),
            "initiated",
        )
        if failure == "abandoned":
            return

        # IdP side first: sign-in (or failure), then the SSO event just before the POST.
        if failure == "authn_failed":
            # Cycle through the causes so each shows up several times.
            reason = AUTHN_FAILURE_REASONS[self.authn_failures % len(AUTHN_FAILURE_REASONS)]
            self.authn_failures += 1
            signed_in = self.okta_failed_sign_in(user, when, reason)
        else:
            reason = ""
            signed_in = self.okta_sign_in(user, when)
        # Connector rows are logged to the whole second (a few carry milliseconds).
        done = self.maybe_fraction(
            (signed_in + timedelta(seconds=self.rng.randrange(2, 5))).replace(microsecond=0)
        )
        self.okta_event(
            done - timedelta(milliseconds=self.rng.randrange(300, 900)),
            user,
            "user.authentication.sso",
            "User single sign on to app",
            "app.auth.sso",
            "FAILURE" if reason else "SUCCESS",
            reason or None,
            targets=[self.okta_app_target(app)],
            request_uri=f"/app/{app.slug}/{app.okta_app_id}/sso/saml",
        )
        self.saml_completion(done, user, login, app, request_id, relay, failure, reason)

    def saml_completion(
        self,
        done: datetime,
        user: User,
        login: str,
        app: SamlApp,
        request_id: str,
        relay: str,
        failure: str,
        reason: str,
    ) -> None:
        # The IdP's clock: normally within a second of ours. For the clock failures it is
        # off by more than the 5-minute validity window, so the assertion is already
        # expired (clock behind) or not valid yet (clock ahead) when it arrives.
        if failure == "expired":
            idp_now = done - timedelta(
                minutes=self.rng.randrange(8, 12), seconds=self.rng.randrange(60)
            )
        elif failure == "not_yet_valid":
            idp_now = done + timedelta(
                minutes=self.rng.randrange(7, 11), seconds=self.rng.randrange(60)
            )
        else:
            idp_now = done - timedelta(seconds=1)
        response_id = "id" + str(self.rng.randrange(10**19, 10**20))
        in_response_to: str | None = request_id
        if failure == "irt_missing":
            in_response_to = None  # the IdP app is set to IdP-initiated only
        elif failure == "irt_unknown":
            in_response_to = "_" + self.hexid(40)  # a request from an old tab / another node
        destination = app.wrong_destination if failure == "destination" else app.acs

        if failure == "authn_failed":
            message = {
                "INVALID_CREDENTIALS": "Authentication failed: invalid username or password",
                "VERIFICATION_ERROR": "Authentication failed: MFA verification was not completed",
                "LOCKED_OUT": "Authentication failed: the user account is locked",
            }[reason]
            xml = saml_response_xml(
                response_id,
                idp_now,
                destination,
                in_response_to,
                app.okta_issuer,
                status=("Responder", "AuthnFailed", message),
            )
        else:
            assertion = Assertion(
                assertion_id="id" + str(self.rng.randrange(10**19, 10**20)),
                issued=idp_now,
                name_id=user.email,
                recipient=destination,
                audience=app.wrong_audience if failure == "audience" else app.entity_id,
                # Okta-like validity: 5 minutes either side of issue.
                not_before=idp_now - timedelta(minutes=5),
                not_on_or_after=idp_now + timedelta(minutes=5),
                authn_instant=min(idp_now, user.session_started),
                session_index=f"{request_id[1:21]}",
                in_response_to=in_response_to,
                email=user.email,
                given=user.given,
                family=user.family,
                groups=user.groups,
            )
            xml = saml_response_xml(
                response_id,
                idp_now,
                destination,
                in_response_to,
                app.okta_issuer,
                assertion=assertion,
            )
        request = post_binding(xml, relay)
        if not failure:
            self.add(
                done,
                app.name,
                "SSO Successful",
                app.auth_type,
                login,
                request,
                http(
                    "302 Found",
                    [
                        ("Location", relay),
                        (
                            "Set-Cookie",
                            f"_session_id={self.hexid(32)}; path=/; secure; HttpOnly; SameSite=Lax",
                        ),
                    ],
                ),
            )
            return
        self.add(
            done,
            app.name,
            "SSO Failed",
            app.auth_type,
            login,
            request,
            self.saml_error_response(failure, app),
            failure,
        )

    def saml_error_response(self, failure: str, app: SamlApp) -> str:
        """What the connector answered. Often generic on purpose: the reason is in the
        SAMLResponse, which is what connlog's decoder is for."""
        if failure == "http_500":
            return self.html_500()
        request_id = self.hexid(16)
        specific = {
            "authn_failed": "The identity provider could not authenticate the user.",
            "expired": "The SAML assertion has expired.",
            "not_yet_valid": "The SAML assertion is not yet valid.",
            "audience": "The SAML assertion is not intended for this service provider.",
            "destination": "The SAML response was sent to the wrong endpoint.",
            "irt_missing": "Unsolicited SAML response rejected.",
            "irt_unknown": "The SAML response does not match a pending login request.",
        }[failure]
        message = (
            specific
            if self.rng.random() < 0.5
            else "Single sign-on failed. Contact your administrator."
        )
        body = {
            "status": "error",
            "code": "SAML_RESPONSE_INVALID",
            "message": message,
            "application": app.name,
            "request_id": request_id,
        }
        return http(
            "403 Forbidden", [("Content-Type", "application/json; charset=utf-8")], pretty(body)
        )

    def html_500(self) -> str:
        incident = self.hexid(12)
        page = (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            "<title>500 Internal Server Error</title>\n</head>\n<body>\n"
            "<h1>Something went wrong</h1>\n"
            "<p>We could not complete your sign-in. Please try again in a few minutes.</p>\n"
            f'<p class="ref">Reference: {incident}</p>\n</body>\n</html>'
        )
        return http(
            "500 Internal Server Error", [("Content-Type", "text/html; charset=utf-8")], page
        )

    # ----- SAML SLO flows

    def saml_slo(self, when: datetime, user: User, app_name: str, failure: str = "") -> None:
        app = SAML_APPS[app_name]
        login = self.login_as_typed(user)
        request_id = "_" + self.hexid(40)
        session_index = self.hexid(20)
        relay = f"{TENANT}/login?logged_out=1"
        self.add(
            when,
            app.name,
            "SLO Initiated",
            app.logout_type,
            login,
            redirect_binding(
                app.idp_slo,
                "SAMLRequest",
                logout_request_xml(request_id, when, app, user.email, session_index),
                relay,
                signed=True,
            ),
            http("302 Found", [("Location", f"{IDP}/login/signout")]),
            "initiated",
        )
        done = when + timedelta(seconds=self.rng.randrange(1, 5))
        status = None
        if failure == "unknown_principal":
            # The IdP session was already gone (timed out or ended elsewhere).
            status = (
                "Requester",
                "UnknownPrincipal",
                "The principal is not known to the identity provider",
            )
        elif failure == "partial_logout":
            status = (
                "Responder",
                "PartialLogout",
                "Not all session participants could be logged out",
            )
        xml = logout_response_xml(
            "id" + str(self.rng.randrange(10**19, 10**20)), done, app, request_id, status
        )
        request = redirect_binding(app.sls, "SAMLResponse", xml, relay, signed=True)
        if failure:
            body = {
                "status": "error",
                "code": "SLO_FAILED",
                "message": "Single logout did not complete.",
                "request_id": self.hexid(16),
            }
            response = http(
                "400 Bad Request",
                [("Content-Type", "application/json; charset=utf-8")],
                pretty(body),
            )
            self.add(
                done, app.name, "SLO Failed", app.logout_type, login, request, response, failure
            )
            return
        self.add(
            done,
            app.name,
            "SLO Successful",
            app.logout_type,
            login,
            request,
            http("302 Found", [("Location", relay)]),
        )
        self.okta_event(
            done - timedelta(milliseconds=self.rng.randrange(200, 800)),
            user,
            "user.session.end",
            "User logout from Okta",
            "core.user_auth.logout_success",
            request_uri="/login/signout",
        )
        user.session_until = done

    # ----- OAuth 2.0 / OpenID Connect flows

    def oauth_sso(self, when: datetime, user: User, app_name: str, failure: str = "") -> None:
        """Authorization-code login: SSO Initiated (authorize redirect, IdP returns a code)
        then SSO Successful/Failed (the token request and the token endpoint's answer)."""
        app = OAUTH_APPS[app_name]
        login = self.login_as_typed(user)
        when = self.maybe_fraction(when)
        state = self.alnum(32)
        nonce = self.alnum(24)
        google = app.tenant == ""
        code = ("4/0A" + self.alnum(70)) if google else ("1.AXoA" + self.alnum(90))
        authorize = (
            f"GET {app.authorize}?response_type=code&client_id={q(app.client_id)}"
            f"&redirect_uri={q(app.redirect_uri)}&scope={q(app.scope)}"
            f"&state={state}&nonce={nonce}&login_hint={q(user.email)}"
        )
        self.add(
            when,
            app.name,
            "SSO Initiated",
            "Authentication-Connections",
            login,
            authorize,
            http("302 Found", [("Location", f"{app.redirect_uri}?code={q(code)}&state={state}")]),
            "initiated",
        )
        if failure == "abandoned":
            return
        done = when + timedelta(seconds=self.rng.randrange(3, 25))
        redirect_uri = app.redirect_uri
        if failure == "redirect_uri_mismatch":
            # A proxy rewrote the callback to plain http; the registered URI is https.
            redirect_uri = app.redirect_uri.replace("https://", "http://")
        client_id = app.client_id
        secret = "GOCSPX-" + self.alnum(28) if google else self.alnum(8) + "~" + self.alnum(31)
        request = (
            f"grant_type=authorization_code&code={q(code)}&redirect_uri={q(redirect_uri)}"
            f"&client_id={q(client_id)}&client_secret={q(secret)}"
        )
        if failure in ("invalid_grant", "invalid_client", "redirect_uri_mismatch"):
            self.add(
                done,
                app.name,
                "SSO Failed",
                "Authentication-Connections",
                login,
                request,
                self.oauth_error(app, failure, done),
                failure,
            )
            return
        if failure == "http_500":
            self.add(
                done,
                app.name,
                "SSO Failed",
                "Authentication-Connections",
                login,
                request,
                self.html_500(),
                failure,
            )
            return
        issued = done - timedelta(seconds=1)
        if failure == "jwt_expired":
            # A cached token from an earlier login was returned: exp already in the past.
            issued = done - timedelta(minutes=self.rng.randrange(65, 180))
        claims = self.id_token_claims(app, user, nonce, issued)
        body = {
            "access_token": ("ya29.a0" if google else "EwBwA8l6BAAU") + self.alnum(120),
            "expires_in": 3599,
            "scope": app.scope
            if not google
            else "openid https://www.googleapis.com/auth/"
            "userinfo.email https://www.googleapis.com/auth/userinfo.profile",
            "token_type": "Bearer",
            "id_token": jwt(self.hexid(40) if google else self.alnum(27), claims),
        }
        if not google:
            body["refresh_token"] = "1.AXoA" + self.alnum(100)
        action = "SSO Failed" if failure else "SSO Successful"
        self.add(
            done,
            app.name,
            action,
            "Authentication-Connections",
            login,
            request,
            pretty(body) if google else compact(body),
            failure,
        )

    def id_token_claims(
        self, app: OAuthApp, user: User, nonce: str, issued: datetime
    ) -> dict[str, object]:
        iat = int(issued.timestamp())
        if app.tenant == "":
            return {
                "iss": app.issuer,
                "azp": app.client_id,
                "aud": app.client_id,
                "sub": str(
                    100000000000000000000
                    + (int(hashlib.sha256(user.email.encode()).hexdigest()[:15], 16) % 10**20)
                ),
                "hd": DOMAIN,
                "email": user.email,
                "email_verified": True,
                "nonce": nonce,
                "name": user.display_name,
                "iat": iat,
                "nbf": iat - 5,
                "exp": iat + 3600,
            }
        oid = hashlib.sha256(user.email.encode()).hexdigest()
        return {
            "aud": app.client_id,
            "iss": app.issuer,
            "iat": iat,
            "nbf": iat,
            "exp": iat + 3600,
            "email": user.email,
            "name": user.display_name,
            "nonce": nonce,
            "oid": f"{oid[:8]}-{oid[8:12]}-{oid[12:16]}-{oid[16:20]}-{oid[20:32]}",
            "preferred_username": user.email,
            "sub": b64url(bytes.fromhex(oid))[:43],
            "tid": app.tenant,
            "ver": "2.0",
        }

    def oauth_error(self, app: OAuthApp, failure: str, when: datetime) -> str:
        """Token endpoint error bodies in each provider's real shape."""
        if app.tenant == "":
            description = {
                "invalid_grant": "Bad Request",
                "invalid_client": "The OAuth client was not found.",
                "redirect_uri_mismatch": "Bad Request",
            }[failure]
            return pretty({"error": failure, "error_description": description})
        code, text = {
            "invalid_grant": (
                70008,
                "AADSTS70008: The provided authorization code or refresh token has expired "
                "due to inactivity. Send a new interactive authorization request for this "
                "user and resource.",
            ),
            "invalid_client": (
                7000222,
                "AADSTS7000222: The provided client secret keys for app "
                f"'{app.client_id}' are expired. Visit the Azure portal to create new keys "
                "for your app.",
            ),
            "redirect_uri_mismatch": (
                50011,
                "AADSTS50011: The redirect URI specified in the request does not match the "
                f"redirect URIs configured for the application '{app.client_id}'.",
            ),
        }[failure]
        trace = self.uuid()
        return compact(
            {
                "error": failure,
                "error_description": f"{text}\r\nTrace ID: {trace}\r\n"
                f"Timestamp: {when.strftime('%Y-%m-%d %H:%M:%SZ')}",
                "error_codes": [code],
                "timestamp": when.strftime("%Y-%m-%d %H:%M:%SZ"),
                "trace_id": trace,
                "correlation_id": self.uuid(),
            }
        )

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
