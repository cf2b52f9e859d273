"""OAuth 2.0 / OpenID Connect flows: the authorization code redeemed at the token
endpoint, ID tokens, and the errors a connector sees.

A part of `generate.Demo` (one random stream: see generate.py), which mixes it in."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from tools.demo.model import (
    DOMAIN,
    OAUTH_APPS,
    OAuthApp,
    User,
)
from tools.demo.payloads import (
    b64url,
    compact,
    http,
    jwt,
    pretty,
    q,
)


class OAuthEvents:
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
        self.oauth_token_request(done, app, user, login, code, nonce, failure)

    def oauth_token_request(
        self,
        done: datetime,
        app: OAuthApp,
        user: User,
        login: str,
        code: str,
        nonce: str,
        failure: str,
    ) -> None:
        """SSO Successful/Failed: the code redeemed at the token endpoint, and its answer
        (an OAuth error, an HTML 500 page, or the tokens)."""
        google = app.tenant == ""
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
