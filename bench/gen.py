"""Deterministic generator of a MangoApps-style Connector Log CSV of any size.

Columns are built per chunk with numpy (random choices) and Polars (string assembly,
base64 encoding, CSV writing), never a Python loop per row: 1M rows / 2.7 GB take
about half a minute on two cores.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import polars as pl

from connlog_tui.schema import CONNECTOR_LOG_COLUMNS, HEADERS

# Applications and how often they appear; the SAML ones carry SAMLResponse payloads.
APPS = [
    ("MangoApps", 0.30, "saml"),
    ("OAuth 2.0 Google Apps", 0.20, "oauth"),
    ("OAuth 2.0 Office 365", 0.20, "oauth"),
    ("Okta", 0.10, "saml"),
    ("NetSuite", 0.08, "saml"),
    ("Salesforce", 0.05, "saml"),
    ("ServiceNow", 0.04, "saml"),
    ("Slack", 0.03, "oauth"),
]
# (action, request type kind, weight)
ACTIONS = [
    ("SSO Initiated", "Authentication", 0.30),
    ("SSO Successful", "Authentication", 0.33),
    ("SSO Failed", "Authentication", 0.06),
    ("SLO Initiated", "Logout", 0.10),
    ("SLO Successful", "Logout", 0.09),
    ("SLO Failed", "Logout", 0.02),
    ("NA", "Authentication", 0.10),
]
FIRST = ["jane", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"]
FIRST += ["mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "wendy"]
LAST = ["doe", "smith", "jones", "lee", "khan", "garcia", "muller", "rossi", "tanaka", "novak"]
DOMAINS = ["acme.example", "globex.example", "initech.example", "umbrella.example"]
FAILURES = [
    "User account disabled",
    "Signature validation failed",
    "Assertion expired (NotOnOrAfter)",
    "Audience restriction mismatch",
    "AADSTS70008: The provided authorization code has expired",
    "invalid_grant",
    "Unknown user",
]
# The merged-export shape (`mixed`): ~500-byte rows, dates in three forms row by row, a
# UTF-8 BOM, unicode names and formula-like cells (what a spreadsheet would run).
MIXED_PAYLOAD = 200
BOM = "\ufeff".encode()
FIRST_U = ["zoë", "josé", "łukasz", "søren", "ægir", "çelik", "dmitrí", "ярослав", "美咲", "محمد"]
LAST_U = ["müller", "núñez", "ødegård", "kovač", "şahin", "петров", "田中", "عبدالله"]
DATE_FORMS = ["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %I:%M:%S %p"]
FORMULAS = ['=HYPERLINK("http://evil.example","open")', "+cmd|' /C calc'!A0", "@SUM(1+1)"]
VOCAB = 65536  # random 64-char base64 tokens the payload bodies are made of
TOKEN = 64


def users(rng: np.random.Generator, n: int = 5000, unicode: bool = False) -> list[str]:
    firsts, lasts = (FIRST + FIRST_U, LAST + LAST_U) if unicode else (FIRST, LAST)
    out = []
    for i in range(n):
        first, last = firsts[i % len(firsts)], lasts[(i // len(firsts)) % len(lasts)]
        dom = DOMAINS[int(rng.integers(len(DOMAINS)))]
        out.append(f"{first}.{last}{i // (len(firsts) * len(lasts)) or ''}@{dom}")
    return out


def _tokens(rng: np.random.Generator) -> pl.Series:
    raw = rng.integers(0, 256, size=VOCAB * TOKEN * 3 // 4, dtype=np.uint8).tobytes()
    text = base64.b64encode(raw).decode()
    return pl.Series("tok", [text[i : i + TOKEN] for i in range(0, len(text), TOKEN)])


def generate(
    path: Path,
    rows: int,
    payload_bytes: int = 8000,
    seed: int = 7,
    chunk: int = 100_000,
    start: str = "2026-03-01T00:00:00",
    mixed: bool = False,
) -> Path:
    """Write `rows` rows to `path` (atomically). SAML rows carry base64 payloads whose
    length is uniform in [payload_bytes/2, payload_bytes*3/2] (4-12 KB by default).
    `mixed`: the shape of a merged export (see `MIXED`)."""
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as fh:
        if mixed:
            fh.write(BOM)
        for i, frame in enumerate(_chunks(rows, payload_bytes, seed, chunk, start, mixed)):
            fh.write(frame.write_csv(include_header=i == 0).encode())
    tmp.replace(path)
    return path


def generate_dir(
    path: Path,
    files: int = 20,
    rows: int = 50_000,
    payload_bytes: int = MIXED_PAYLOAD,
    seed: int = 7,
) -> Path:
    """A directory of `files` logs of `rows` rows each, as a merged export leaves them:
    every other file CSV (with a BOM), the rest JSON Lines, all in the mixed shape, their
    times interleaved (each file a connector's share of the same weeks)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        frames = _chunks(rows, payload_bytes, seed + i, rows, "2026-03-01T00:00:00", True, files)
        frame = next(iter(frames))
        if i % 2:
            frame.write_ndjson(tmp / f"connector_{i:02d}.jsonl")
        else:
            (tmp / f"connector_{i:02d}.csv").write_bytes(BOM + frame.write_csv().encode())
    tmp.replace(path)
    return path


def _chunks(
    rows: int,
    payload_bytes: int,
    seed: int,
    chunk: int,
    start: str,
    mixed: bool,
    spread: int = 1,
):
    """The log's rows, rendered, `chunk` rows a frame. `spread`: times `spread` times
    further apart (a file holding one of `spread` connectors' rows over the same weeks)."""
    rng = np.random.default_rng(seed)
    user_list = pl.Series("u", users(rng, unicode=mixed))
    tokens = _tokens(rng)
    app_names = [a for a, _, _ in APPS]
    app_p = np.array([p for _, p, _ in APPS])
    app_p /= app_p.sum()
    saml_app = np.array([k == "saml" for _, _, k in APPS])
    act_names = [a for a, _, _ in ACTIONS]
    act_p = np.array([p for _, _, p in ACTIONS])
    act_p /= act_p.sum()
    t_us = int(np.datetime64(start, "us").astype(np.int64))
    done = 0
    while done < rows:
        n = min(chunk, rows - done)
        app_i = rng.choice(len(APPS), size=n, p=app_p)
        act_i = rng.choice(len(ACTIONS), size=n, p=act_p)
        user_i = rng.integers(0, len(user_list), size=n)
        steps = rng.exponential(2_500_000 * spread, size=n).astype(np.int64) + 1  # ~2.5 s
        times = t_us + np.cumsum(steps)
        t_us = int(times[-1])
        is_saml = saml_app[app_i]
        act = np.array(act_names)[act_i]
        # SAML responses (4-12 KB) on SAML-app SSO outcomes; SAML requests (~1 KB) on
        # SSO/SLO initiation; OAuth exchanges are small forms and JSON.
        big = is_saml & np.isin(act, ["SSO Successful", "SSO Failed", "SLO Successful"])
        lo, hi = payload_bytes // 2, payload_bytes * 3 // 2
        body_len = np.where(big, rng.integers(lo, hi + 1, size=n) * 3 // 4, 0)
        small = (50, 150) if mixed else (400, 900)
        body_len = np.where(is_saml & ~big, rng.integers(*small, size=n), body_len)
        n_tok = body_len // TOKEN
        tok_idx = rng.integers(0, VOCAB, size=int(n_tok.sum()))
        ids = rng.integers(0, 2**62, size=n)
        fail_i = rng.integers(0, len(FAILURES), size=n)
        frame = pl.DataFrame(
            {
                "t": pl.Series(times).cast(pl.Datetime("us")),
                "app": pl.Series(app_names).gather(app_i),
                "act": pl.Series(act),
                "u": user_list.gather(user_i),
                "saml": is_saml,
                "big": big,
                "id": pl.Series(ids).cast(pl.String),
                "fail": pl.Series(FAILURES).gather(fail_i),
                "ntok": n_tok,
                "form": rng.integers(0, len(DATE_FORMS), size=n) if mixed else np.zeros(n, int),
                "formula": rng.integers(0, len(FORMULAS) * 100, size=n) if mixed else -1,
            }
        )
        frame = frame.with_columns(body=_bodies(tokens, tok_idx, n_tok))
        yield _render(frame, mixed)
        done += n


def _bodies(tokens: pl.Series, tok_idx: np.ndarray, n_tok: np.ndarray) -> pl.Series:
    """Per row, n_tok[i] consecutive vocabulary tokens joined: distinct random text."""
    flat = tokens.gather(pl.Series(tok_idx, dtype=pl.UInt32))
    row = pl.Series(np.repeat(np.arange(len(n_tok), dtype=np.uint32), n_tok))
    joined = (
        pl.DataFrame({"row": row, "tok": flat})
        .group_by("row", maintain_order=True)
        .agg(pl.col("tok").str.join(""))
    )
    full = pl.DataFrame({"row": pl.Series(np.arange(len(n_tok), dtype=np.uint32))})
    return full.join(joined, on="row", how="left")["tok"].fill_null("")


def _render(f: pl.DataFrame, mixed: bool = False) -> pl.DataFrame:
    c = pl.col
    kind = pl.when(c("act").str.starts_with("SLO")).then(pl.lit("Logout"))
    kind = kind.otherwise(pl.lit("Authentication"))
    rtype = kind + pl.when(c("saml")).then(pl.lit("-Connections")).otherwise(
        pl.lit("-Applications")
    )
    ts = c("t").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    request, response = _payloads(ts)
    date = ts
    if mixed:  # each row's date in one of the forms; 1% of responses formula-like
        date = pl.when(c("form") == 0).then(ts)
        for i, form in enumerate(DATE_FORMS[1:], 1):
            date = date.when(c("form") == i).then(c("t").dt.strftime(form))
        date = date.otherwise(ts)
        for i, cell in enumerate(FORMULAS):
            response = pl.when(c("formula") == i).then(pl.lit(cell)).otherwise(response)
    cells = {
        "time": date,
        "app": c("app"),
        "action": c("act"),
        "request_type": rtype,
        "user": c("u"),
        "request": request,
        "response": response,
    }
    return f.select(cells[name].alias(HEADERS[name]) for name in CONNECTOR_LOG_COLUMNS)


def _payloads(ts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """A row's Request and Response: SAML (base64 XML) or OAuth (form body, JSON)."""
    c = pl.col
    failed = c("act").str.ends_with("Failed")
    status = pl.when(failed).then(pl.lit("Responder")).otherwise(pl.lit("Success"))
    saml_xml = pl.concat_str(
        pl.lit('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_'),
        c("id"),
        pl.lit('" Version="2.0" IssueInstant="'),
        ts,
        pl.lit('"><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:'),
        status,
        pl.lit('"/>'),
        pl.when(failed)
        .then(
            pl.concat_str(
                pl.lit("<samlp:StatusMessage>"), c("fail"), pl.lit("</samlp:StatusMessage>")
            )
        )
        .otherwise(pl.lit("")),
        pl.lit("</samlp:Status><saml:Assertion><saml:Subject><saml:NameID>"),
        c("u"),
        pl.lit("</saml:NameID></saml:Subject><ds:Signature><ds:SignatureValue>"),
        c("body"),
        pl.lit("</ds:SignatureValue></ds:Signature></saml:Assertion></samlp:Response>"),
    )
    saml_req = pl.concat_str(
        pl.lit('<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_'),
        c("id"),
        pl.lit('" IssueInstant="'),
        ts,
        pl.lit('"><saml:Issuer>https://sp.example/'),
        c("body"),
        pl.lit("</saml:Issuer></samlp:AuthnRequest>"),
    )
    b64 = lambda e: e.str.encode("base64")  # noqa: E731
    oauth_req = pl.concat_str(
        pl.lit("grant_type=authorization_code&code=4/0A"),
        c("id"),
        pl.lit("&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"),
    )
    oauth_ok = pl.concat_str(
        pl.lit('{"access_token": "ya29.a0'),
        c("id"),
        pl.lit('", "expires_in": 3599, "token_type": "Bearer"}'),
    )
    oauth_err = pl.concat_str(
        pl.lit('{"error": "invalid_grant", "error_description": "'), c("fail"), pl.lit('"}')
    )
    request = (
        pl.when(c("act") == "NA")
        .then(pl.lit(""))
        .when(c("big"))
        .then(pl.lit("SAMLResponse=") + b64(saml_xml))
        .when(c("saml"))
        .then(pl.lit("SAMLRequest=") + b64(saml_req))
        .otherwise(oauth_req)
    )
    response = (
        pl.when(c("saml") | (c("act") == "NA"))
        .then(
            pl.when(failed)
            .then(pl.concat_str(pl.lit('{"error": "'), c("fail"), pl.lit('"}')))
            .otherwise(pl.lit(""))
        )
        .when(failed)
        .then(oauth_err)
        .otherwise(oauth_ok)
    )
    return request, response
