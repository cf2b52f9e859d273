"""SAML 2.0 flows as the connector records them: SSO (AuthnRequest, Response, the
failures of each kind) and SLO (LogoutRequest, LogoutResponse).

A part of `generate.Demo` (one random stream: see generate.py), which mixes it in."""

from __future__ import annotations

from datetime import datetime, timedelta

from tools.demo.model import (
    AUTHN_FAILURE_REASONS,
    IDP,
    SAML_APPS,
    TENANT,
    SamlApp,
    User,
)
from tools.demo.payloads import (
    Assertion,
    authn_request_xml,
    http,
    logout_request_xml,
    logout_response_xml,
    post_binding,
    pretty,
    q,
    redirect_binding,
    saml_response_xml,
)


class SamlEvents:
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
        idp_now = self.idp_clock(done, failure)
        xml = self.saml_response(idp_now, user, app, request_id, failure, reason)
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

    def idp_clock(self, done: datetime, failure: str) -> datetime:
        """The IdP's clock: normally within a second of ours. For the clock failures it is
        off by more than the 5-minute validity window, so the assertion is already
        expired (clock behind) or not valid yet (clock ahead) when it arrives."""
        if failure == "expired":
            return done - timedelta(
                minutes=self.rng.randrange(8, 12), seconds=self.rng.randrange(60)
            )
        if failure == "not_yet_valid":
            return done + timedelta(
                minutes=self.rng.randrange(7, 11), seconds=self.rng.randrange(60)
            )
        return done - timedelta(seconds=1)

    def saml_response(
        self,
        idp_now: datetime,
        user: User,
        app: SamlApp,
        request_id: str,
        failure: str,
        reason: str,
    ) -> str:
        """The Response XML the IdP posts back, carrying the failure's evidence."""
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
        return xml

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
