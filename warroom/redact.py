"""Keeping secrets out of everything warroom prints, stores or logs.

Two defences: patterns (passwords in DSNs of URI and key=value form, credentials in
`Authorization`-like headers, tokens in query strings) and a registry of known secret
values (whatever a config put behind a password, token or credential header), which are
masked wherever they appear, however they got there. `register_dsn_secrets` and
`register_url_secrets` register what a DSN or URL carries (password as written and
decoded, secret query values, `$PGPASSWORD`); the probe config and the PostgreSQL store
both use them.
"""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "***"

_known: set[str] = set()
_lock = threading.Lock()

SECRET_QUERY_KEYS = frozenset(
    {
        "token",
        "access_token",
        "auth",
        "auth_token",
        "api_key",
        "apikey",
        "key",
        "secret",
        "client_secret",
        "password",
        "passwd",
        "pwd",
        "sig",
        "signature",
        "x-amz-signature",
        "code",
    }
)
SECRET_HEADER_WORDS = (
    "authorization",
    "token",
    "secret",
    "password",
    "api-key",
    "apikey",
    "cookie",
)

_URI_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@"
)
_KV_PASSWORD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|sslpassword)\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\S+)",
    re.IGNORECASE,
)
_QUERY_SECRET = re.compile(
    r"(?P<key>[?&](?:" + "|".join(re.escape(k) for k in sorted(SECRET_QUERY_KEYS)) + r")=)"
    r"(?P<value>[^&#\s]+)",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"(?P<key>\b(?:authorization|proxy-authorization|x-api-key|api-key|x-auth-token)\s*[:=]\s*)"
    r"(?P<value>(?:bearer|basic|token)?\s*[^\s,;'\"}]+)",
    re.IGNORECASE,
)


def register_secret(value: str | None) -> None:
    """Remember a secret value so that it is masked wherever it shows up."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_HEADER_WORDS)


def redact_text(text: str) -> str:
    """The text with every secret we can recognise replaced by ***."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _URI_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    text = _KV_PASSWORD.sub(lambda m: f"{m['key']}{MASK}", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m['key']}{MASK}", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['key']}{MASK}", text)
    return text


def redact_url(url: str) -> str:
    """A URL safe to show: no password in its authority, no token in its query."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{MASK}@{host}" if ":" in userinfo else f"{user}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode(
            [(k, MASK if k.lower() in SECRET_QUERY_KEYS else v) for k, v in pairs], safe="*"
        )
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: (MASK if is_secret_header(k) else redact_text(v)) for k, v in headers.items()}


def register_url_secrets(url: str) -> None:
    """Register the password and secret query values of a URL or URI-form DSN."""
    try:
        parts = urlsplit(url)
        register_secret(parts.password)
        if parts.password:
            register_secret(unquote(parts.password))  # as the server will see it
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.lower() in SECRET_QUERY_KEYS or key.lower() in ("sslpassword",):
                register_secret(value)
    except ValueError:
        return


def register_dsn_secrets(dsn: str) -> None:
    """Register the password of a DSN in URI or key=value form (and $PGPASSWORD)."""
    if "://" in dsn:
        register_url_secrets(dsn)
    else:
        for key, value in parse_keyword_dsn(dsn).items():
            if key in ("password", "sslpassword"):
                register_secret(value)
    register_secret(os.environ.get("PGPASSWORD"))


_KEYWORD_PAIR = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")


def parse_keyword_dsn(dsn: str) -> dict[str, str]:
    """The pairs of a libpq `key=value key='quoted value'` connection string."""
    pairs: dict[str, str] = {}
    position = 0
    while position < len(dsn):
        if dsn[position:].strip() == "":
            break
        match = _KEYWORD_PAIR.match(dsn, position)
        if not match:
            raise ValueError("not a key=value connection string")
        key, value = match[1].lower(), match[2]
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        pairs[key] = value
        position = match.end()
    return pairs
