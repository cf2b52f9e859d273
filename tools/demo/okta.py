"""The identity provider's side: Okta System Log events (sign-ins, MFA, SSO to an
application), kept in `Demo.okta` beside the connector rows.

A part of `generate.Demo` (one random stream: see generate.py), which mixes it in."""

from __future__ import annotations

from datetime import datetime, timedelta

from tools.demo.model import (
    DOMAIN,
    SESSION_LIFETIME,
    SamlApp,
    User,
)
from tools.demo.payloads import (
    iso_ms,
)


class OktaEvents:
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
