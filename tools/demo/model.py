"""The demo's fixed world: the seed and week, the incident, its users and applications
(see generate.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SEED = 20260309
END = datetime(2026, 3, 9, 12, 0, 0, tzinfo=UTC)
START = END - timedelta(days=7)

# The incident: on the last morning one IdP node's clock runs ~8 minutes behind, so every
# Workday assertion it issues is already expired when it reaches the connector.
INCIDENT_APP = "Workday (SAML)"
INCIDENT_START = datetime(2026, 3, 9, 7, 5, 0, tzinfo=UTC)
INCIDENT_END = datetime(2026, 3, 9, 10, 20, 0, tzinfo=UTC)

# Okta session lifetime: one sign-in (password, maybe MFA) per user per working day.
SESSION_LIFETIME = timedelta(hours=12)

DOMAIN = "acme-corp.example"
TENANT = "https://acme.mangoapps.example"
IDP = "https://idp.acme-corp.example"

CSV_NAME = "demo_connector_log.csv"
OKTA_NAME = "demo_okta_system_log.jsonl"

SAML_PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML_ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
STATUS = "urn:oasis:names:tc:SAML:2.0:status:"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"

# Fixed bytes standing in for RSA signatures (XML-DSig, redirect-binding and JWT): valid
# base64, identical on every run, and plainly a placeholder once decoded. Kept short so
# the CSV stays small.
FAKE_SIGNATURE = b"connlog demo placeholder signature - not a real RSA signature."


# --------------------------------------------------------------------------- people and apps

# (given name, family name, department). Order matters: it fixes every random draw below.
PEOPLE = [
    ("Jane", "Doe", "Sales"),
    ("Michael", "Chen", "Engineering"),
    ("Priya", "Raman", "Engineering"),
    ("Carlos", "Mendoza", "Sales"),
    ("Aisha", "Bello", "Finance"),
    ("Tom", "Fischer", "Engineering"),
    ("Emily", "Nguyen", "Marketing"),
    ("David", "Okafor", "Support"),
    ("Sofia", "Rossi", "Sales"),
    ("Liam", "OBrien", "IT"),
    ("Hannah", "Schmidt", "HR"),
    ("Kenji", "Watanabe", "Engineering"),
    ("Olivia", "Martin", "Marketing"),
    ("Noah", "Kowalski", "Support"),
    ("Fatima", "Haddad", "Finance"),
    ("Lucas", "Silva", "Sales"),
    ("Grace", "Kim", "Engineering"),
    ("Ethan", "Walker", "IT"),
    ("Chloe", "Dubois", "HR"),
    ("Mateo", "Garcia", "Support"),
    ("Zoe", "Andersson", "Marketing"),
    ("Ravi", "Patel", "Engineering"),
    ("Isabella", "Lopez", "Sales"),
    ("Samuel", "Adeyemi", "Finance"),
    ("Mia", "Jensen", "Support"),
    ("Daniel", "Cohen", "Engineering"),
    ("Ava", "Thompson", "Sales"),
    ("Yusuf", "Demir", "IT"),
    ("Nora", "Lindqvist", "Marketing"),
    ("Benjamin", "Wright", "Finance"),
    ("Leila", "Karimi", "Engineering"),
    ("Jack", "Murphy", "Support"),
    ("Elena", "Popescu", "HR"),
    ("Owen", "Hughes", "Sales"),
    ("Amara", "Eze", "Engineering"),
    ("Victor", "Moreau", "Sales"),
    ("Ingrid", "Berg", "Finance"),
    ("Hiro", "Tanaka", "Engineering"),
    ("Rosa", "Alvarez", "Support"),
    ("Peter", "Novak", "IT"),
]

# Engineering and IT sign in to MangoApps with Google; everyone else uses Office 365.
GOOGLE_DEPARTMENTS = ("Engineering", "IT")
SALESFORCE_DEPARTMENTS = ("Sales", "Support", "Marketing")

OFFICES = [
    ("London", "United Kingdom", "203.0.113."),
    ("Manchester", "United Kingdom", "198.51.100."),
    ("Dublin", "Ireland", "192.0.2."),
    ("Berlin", "Germany", "203.0.113."),
]

USER_AGENTS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/133.0.0.0 Safari/537.36",
        "Windows 10",
        "CHROME",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/133.0.0.0 Safari/537.36",
        "Mac OS X",
        "CHROME",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.3 Safari/605.1.15",
        "Mac OS X",
        "SAFARI",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:135.0) Gecko/20100101 Firefox/135.0",
        "Windows 10",
        "FIREFOX",
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/133.0.0.0 Safari/537.36 Edg/133.0.0.0",
        "Windows 10",
        "EDGE",
    ),
]


@dataclass
class User:
    given: str
    family: str
    department: str
    email: str
    okta_id: str
    ip: str
    city: str
    country: str
    agent: tuple[str, str, str]
    apps: list[str]
    groups: list[str]
    # Okta session state, advanced as flows are generated in time order per user.
    session_started: datetime = START
    logins: int = 0  # rotates the odd spellings in LOGIN_SPELLINGS
    session_until: datetime = START
    session_id: str = ""

    @property
    def display_name(self) -> str:
        return f"{self.given} {self.family}"


@dataclass(frozen=True)
class SamlApp:
    name: str
    slug: str
    entity_id: str  # the SP entity ID = the Audience the IdP must assert
    acs: str  # AssertionConsumerService = Destination and Recipient
    sls: str  # SingleLogoutService of the SP
    landing: str  # where a successful login lands
    okta_app_id: str
    okta_issuer: str
    okta_label: str
    auth_type: str
    logout_type: str
    # Values a misconfigured IdP app sends instead of the right ones (see the failures).
    wrong_audience: str
    wrong_destination: str

    @property
    def idp_sso(self) -> str:
        return f"{IDP}/app/{self.slug}/{self.okta_app_id}/sso/saml"

    @property
    def idp_slo(self) -> str:
        return f"{IDP}/app/{self.slug}/{self.okta_app_id}/slo/saml"


@dataclass(frozen=True)
class OAuthApp:
    name: str
    authorize: str
    token: str
    issuer: str
    client_id: str
    redirect_uri: str
    scope: str
    tenant: str = ""


SAML_APPS = {
    "MangoApps": SamlApp(
        name="MangoApps",
        slug="acmecorp_mangoapps_1",
        entity_id=f"{TENANT}/saml/metadata",
        acs=f"{TENANT}/saml/acs",
        sls=f"{TENANT}/saml/sls",
        landing=f"{TENANT}/home",
        okta_app_id="0oa4mg7xQd2Lk9Vb6971",
        okta_issuer="http://www.okta.com/exk4mg7xQ1Rz2Pw86971",
        okta_label="MangoApps",
        auth_type="Authentication-Connections",
        logout_type="Logout-Connections",
        wrong_audience="https://acme.mangoapps.example/saml/metadata/",
        # The tenant moved hosts; a stale IdP app still posts to the old one.
        wrong_destination="https://acme-old.mangoapps.example/saml/acs",
    ),
    "Salesforce (SAML)": SamlApp(
        name="Salesforce (SAML)",
        slug="acmecorp_salesforce_1",
        entity_id="https://acme-corp.my.salesforce.example",
        acs="https://acme-corp.my.salesforce.example?so=00D5g000004XyZa",
        sls="https://acme-corp.my.salesforce.example/services/auth/sp/saml2/logout",
        landing="https://acme-corp.my.salesforce.example/home/home.jsp",
        okta_app_id="0oa4sf2Tn8Kc3Wq5x697",
        okta_issuer="http://www.okta.com/exk4sf2Tn8Vd7Hs1y697",
        okta_label="Salesforce.com",
        auth_type="Authentication-Applications",
        logout_type="Logout-Applications",
        # After a sandbox refresh someone pointed the prod IdP app at the UAT entity ID.
        wrong_audience="https://acme-corp--uat.sandbox.my.salesforce.example",
        wrong_destination="https://acme-corp--uat.sandbox.my.salesforce.example?so=00D5g000004XyZa",
    ),
    "Zoom (SAML)": SamlApp(
        name="Zoom (SAML)",
        slug="acmecorp_zoom_1",
        entity_id="acme-corp.zoom.example",
        acs="https://acme-corp.zoom.example/saml/SSO",
        sls="https://acme-corp.zoom.example/saml/SingleLogout",
        landing="https://acme-corp.zoom.example/profile",
        okta_app_id="0oa4zm9Pb1Gh6Ry2u697",
        okta_issuer="http://www.okta.com/exk4zm9Pb1Jk3Lm5n697",
        okta_label="Zoom",
        auth_type="Authentication-Applications",
        logout_type="Logout-Applications",
        wrong_audience="https://zoom.example",
        # http instead of https: a classic copy-paste error in the IdP app settings.
        wrong_destination="http://acme-corp.zoom.example/saml/SSO",
    ),
    "Workday (SAML)": SamlApp(
        name="Workday (SAML)",
        slug="acmecorp_workday_1",
        entity_id="http://www.workday.com/acme_corp",
        acs="https://wd5.myworkday.example/acme_corp/login-saml.flex",
        sls="https://wd5.myworkday.example/acme_corp/logout-saml.flex",
        landing="https://wd5.myworkday.example/acme_corp/d/home.htmld",
        okta_app_id="0oa4wd3Hc7Mn2Bv8z697",
        okta_issuer="http://www.okta.com/exk4wd3Hc7Qp9Xs4t697",
        okta_label="Workday",
        auth_type="Authentication-Applications",
        logout_type="Logout-Applications",
        wrong_audience="http://www.workday.com/acme_corp_preview",
        wrong_destination="https://impl.wd5.myworkday.example/acme_corp/login-saml.flex",
    ),
}

MS_TENANT = "3f1c2a9e-7b4d-4e8a-9c61-5d2b8e0f4a17"
OAUTH_APPS = {
    "OAuth 2.0 Google Apps": OAuthApp(
        name="OAuth 2.0 Google Apps",
        authorize="https://accounts.google.com/o/oauth2/v2/auth",
        token="https://oauth2.googleapis.com/token",
        issuer="https://accounts.google.com",
        client_id="482915736104-8k2vq7m3h1c5t9r0pl6x4n2bd7fj3sqa.apps.googleusercontent.com",
        redirect_uri=f"{TENANT}/auth/google_oauth2/callback",
        scope="openid email profile",
    ),
    "OAuth 2.0 Office 365": OAuthApp(
        name="OAuth 2.0 Office 365",
        authorize=f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/authorize",
        token=f"https://login.microsoftonline.com/{MS_TENANT}/oauth2/v2.0/token",
        issuer=f"https://login.microsoftonline.com/{MS_TENANT}/v2.0",
        client_id="b7e3c1d2-94af-4f6e-8a1b-2c5d7e9f0a34",
        redirect_uri=f"{TENANT}/auth/office365/callback",
        scope="openid email profile offline_access",
        tenant=MS_TENANT,
    ),
}

NETSUITE = "NetSuite"
NETSUITE_ACCOUNT = "4817263"
NETSUITE_HOST = f"https://{NETSUITE_ACCOUNT}.suitetalk.api.netsuite.example"
NETSUITE_LOGIN = f"netsuite.sync@{DOMAIN}"

# How often each app is used for a sign-in, relative to the others.
APP_WEIGHTS = {
    "MangoApps": 0.8,
    "OAuth 2.0 Google Apps": 2.6,
    "OAuth 2.0 Office 365": 3.4,
    "Salesforce (SAML)": 0.9,
    "Zoom (SAML)": 0.5,
    "Workday (SAML)": 0.35,
}

# Odd spellings of a few logins, used in rotation with the canonical one.
LOGIN_SPELLINGS = {
    f"jane.doe@{DOMAIN}": [
        f"jane.doe@{DOMAIN}",
        f"Jane.Doe@{DOMAIN}",
        f"jane.doe@{DOMAIN}",
        f" jane.doe@{DOMAIN} ",
        f"jane.doe@{DOMAIN}",
        f"jane.doe+sso@{DOMAIN}",
    ],
    f"michael.chen@{DOMAIN}": [
        f"michael.chen@{DOMAIN}",
        f"michael.chen@{DOMAIN}",
        f"MICHAEL.CHEN@{DOMAIN.upper()}",
    ],
    f"sofia.rossi@{DOMAIN}": [
        f"sofia.rossi@{DOMAIN}",
        f"sofia.rossi@{DOMAIN}",
        f"sofia.rossi@{DOMAIN}",
        f"Sofia.Rossi@{DOMAIN.upper()}",
    ],
}

# Why the IdP answered Responder/AuthnFailed, as the Okta System Log records it.
AUTHN_FAILURE_REASONS = ("INVALID_CREDENTIALS", "VERIFICATION_ERROR", "LOCKED_OUT")

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
