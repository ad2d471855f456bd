"""Keeping secrets out of everything warroom prints, stores or logs: the one registry.

Two defences. A registry of known secret values: whatever a config or `--store` puts in
a password, a token in a query string, a header, or the user of a URL that has no
password; each in every form it can take on the way out (as written, percent-decoded and
encoded, JSON- and repr-escaped, the base64 of `user:password` a server may echo from an
`Authorization: Basic` header). And patterns for secrets nobody registered: passwords in
URIs and `key=value` DSNs, values of credential-looking headers and query parameters,
`Basic`/`Bearer` credentials. `redact_text` applies both; every output path (CLI errors,
probe results, the check table and JSON, watch, events before they are stored, comms,
exports, the console) goes through it, and log records are masked as they are made.

`register_url_secrets` and `register_dsn_secrets` register what a URL or DSN carries,
read by `warroom.credentials` as every client agrees; where clients would read it
differently they register every fragment that could show and raise CredentialError, so
the caller reports a config error and never uses (or echoes) the string.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit, urlunsplit

from warroom.credentials import (
    CredentialError,
    keyword_pairs,
    split_credentials,
    userinfo_guess,
)

MASK = "***"
MIN_SECRET_LENGTH = 4

_known: set[str] = set()
_lock = threading.Lock()
_sorted: list[str] = []

# Query parameter and header names that hold credentials: these names exactly, and any
# name containing one of the words (case-insensitive): private_token, access_key,
# X-Amz-Signature, X-Amz-Credential, client_secret, Ocp-Apim-Subscription-Key...
SECRET_QUERY_KEYS = frozenset({"code", "pw", "sas", "jwt", "otp", "hmac", "nonce"})
CREDENTIAL_WORDS = (
    "token",
    "secret",
    "key",
    "pass",
    "pwd",
    "sig",
    "auth",
    "credential",
    "cookie",
    "session",
)
# Headers whose values are never secrets; every other header a config sets is
# registered (a custom header is how many APIs take their key).
PLAIN_HEADERS = frozenset(
    {
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "cache-control",
        "connection",
        "content-type",
        "host",
        "origin",
        "pragma",
        "referer",
        "user-agent",
    }
)
_NAME_WORDS = "|".join(CREDENTIAL_WORDS)

_URI_PASSWORD = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s'\"<>]*):(?P<pw>[^\s'\"<>]*)@"
)
_KV_PASSWORD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|sslpassword)\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\S+)",
    re.IGNORECASE,
)
_QUERY_PAIR = re.compile(r"(?P<key>[?&#;](?P<name>[^=&#;?\s]+)=)(?P<value>[^&#;\s'\"<>]+)")
# Fields in free text (an echoed header, a JSON body, a log line) that carry a credential:
# narrower than the names above, because notes are redacted too ("author: Bob" stays).
_FIELD_NAMES = (
    r"(?:[\w-]*[-_])?(?:authorization|api[-_]?key|apikey|auth[-_]?(?:token|key)"
    r"|access[-_]?(?:token|key)|private[-_]?token|client[-_]?secret|secret[-_]?key"
    r"|subscription[-_]?key|security[-_]?token|session[-_]?token|secret|password|passwd"
    r"|token|cookie)"
)
_FIELD_SIGNS = ("auth", "key", "token", "secret", "pass", "cookie")
_CREDENTIAL_FIELD = re.compile(
    r"(?P<key>(?<![\w-])(?:" + _FIELD_NAMES + r")[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>(?:(?:basic|bearer|token|digest|negotiate)\s+)?[^\s,;'\"&}]+)",
    re.IGNORECASE,
)
_SCHEME_CREDENTIAL = re.compile(
    r"(?P<key>\b(?P<scheme>basic|bearer)\s+)(?P<value>[A-Za-z0-9+/=._~-]{8,})", re.IGNORECASE
)


def is_credential_name(name: str) -> bool:
    """A query parameter or header name that says it holds a credential."""
    lowered = unquote(name).lower()
    return lowered in SECRET_QUERY_KEYS or any(word in lowered for word in CREDENTIAL_WORDS)


def is_secret_header(name: str) -> bool:
    """A header whose value is treated as a secret: every header but the plain ones."""
    return name.strip().lower() not in PLAIN_HEADERS


# The registry ------------------------------------------------------------------------


def register_secret(value: str | None) -> None:
    """Remember a secret value (and its escaped forms) so it is masked wherever it shows."""
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    forms = {value, json.dumps(value)[1:-1], repr(value)[1:-1]}
    with _lock:
        fresh = forms - _known
        if fresh:
            _known.update(fresh)
            _sorted[:] = sorted(_known, key=len, reverse=True)


def register_password(password: str | None, user: str | None = None) -> None:
    """A password as written and in every encoding it can travel in, plus the base64 of
    `user:password` (an echoed `Authorization: Basic`)."""
    if not password:
        return
    decoded = unquote(password)
    for form in {password, decoded}:
        register_secret(form)
        register_secret(quote(form, safe=""))
        register_secret(quote(form, safe="!$&'()*+,;="))
        register_secret(quote_plus(form))
    if user is not None:
        register_basic(unquote(user), decoded)


def register_basic(user: str, password: str) -> None:
    """The base64 forms of `user:password` a server echoing Basic credentials shows."""
    pair = f"{user}:{password}".encode()
    for encoded in (base64.b64encode(pair), base64.urlsafe_b64encode(pair)):
        text = encoded.decode()
        register_secret(text)
        register_secret(text.rstrip("="))


def register_fragments(text: str) -> None:
    """Every piece of `text` a misreading parser could show on its own."""
    for piece in re.split(r"[/#?@:&=]", text):
        register_password(piece)


def register_header(name: str, value: str) -> None:
    """A configured header's value (and the credential inside `Basic`/`Bearer`): always
    for a credential-named header, for another custom header when its value looks like
    a key (`X-Env = "production"` stays readable), never for a plain one (`Accept`)."""
    if not is_secret_header(name):
        return
    if not is_credential_name(name) and not looks_like_a_key(value):
        return
    register_secret(value)
    scheme, _, credential = value.strip().partition(" ")
    credential = credential.strip()
    if not credential:
        return
    register_secret(credential)
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(credential, validate=True).decode()
        except ValueError:
            return
        user, _, password = pair.partition(":")
        register_secret(pair)
        register_password(password)
        register_basic(user, password)


def looks_like_a_key(value: str) -> bool:
    """A value that reads like a generated key rather than a word: no spaces, and either
    long (20+ characters) or 8+ characters mixing letters and digits."""
    text = value.strip()
    if not text or any(c.isspace() for c in text):
        return False
    mixed = any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return len(text) >= 20 or (len(text) >= 8 and mixed)


def register_url_secrets(url: str, *, first_at: bool = False) -> None:
    """The password (or a lone user, the token-as-user convention of http URLs) and the
    credential-named query and fragment values of a URL or URI-form DSN.
    CredentialError, after registering every fragment that could show, when clients
    would read its credentials differently."""
    try:
        credentials = split_credentials(url, first_at=first_at)
    except CredentialError:
        register_fragments((userinfo_guess(url) or "").partition(":")[2])  # not the user
        raise
    if credentials.password is not None:
        register_password(credentials.password, credentials.user)
    elif credentials.user and url.lower().startswith(("http://", "https://")):
        register_password(credentials.user)
        register_basic(unquote(credentials.user), "")
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    for section in (parts.query, parts.fragment):
        for key, value in parse_qsl(section, keep_blank_values=True):
            if is_credential_name(key):
                register_password(value)


def register_dsn_secrets(dsn: str) -> None:
    """The password of a DSN in URI or key=value form (and $PGPASSWORD). ValueError when
    it is neither; CredentialError when its password clients would read differently."""
    register_secret(os.environ.get("PGPASSWORD"))
    if "://" in dsn:
        register_url_secrets(dsn, first_at=True)
        return
    for key, value in keyword_pairs(dsn).items():
        if is_credential_name(key):  # password, sslpassword...
            register_password(value)


def parse_keyword_dsn(dsn: str) -> dict[str, str]:
    """The pairs of a libpq `key=value` connection string (see warroom.credentials)."""
    return keyword_pairs(dsn)


# Masking -------------------------------------------------------------------------------


def redact_text(text: str) -> str:
    """The text with every secret we can recognise replaced by ***."""
    if not text:
        return text
    with _lock:
        known = list(_sorted)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    # Each pattern runs only where its cheap sign is present (most texts have none).
    lowered = text.lower()
    if "://" in text:
        text = _URI_PASSWORD.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
    if "=" in text:
        text = _KV_PASSWORD.sub(lambda m: f"{m['key']}{MASK}", text)
        text = _QUERY_PAIR.sub(_mask_query_pair, text)
    if any(word in lowered for word in _FIELD_SIGNS):
        text = _CREDENTIAL_FIELD.sub(_mask_field, text)
    if "basic" in lowered or "bearer" in lowered:
        text = _SCHEME_CREDENTIAL.sub(_mask_scheme_credential, text)
    return text


def _mask_query_pair(match: re.Match[str]) -> str:
    if is_credential_name(match["name"]):
        return f"{match['key']}{MASK}"
    return match[0]


def _mask_scheme_credential(match: re.Match[str]) -> str:
    """`Basic <base64 of user:password>` and `Bearer <token with a digit>`; not the words
    of "basic authentication" or "bearer tokens"."""
    value = match["value"]
    if match["scheme"].lower() == "basic":
        try:
            secret = b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
        except ValueError:
            secret = False
    else:
        secret = len(value) >= 12 and any(c.isdigit() for c in value)
    return f"{match['key']}{MASK}" if secret else match[0]


def _mask_field(match: re.Match[str]) -> str:
    value = match["value"]
    if value == MASK or value.endswith(f" {MASK}"):
        return match[0]
    return f"{match['key']}{MASK}"


def redact_url(url: str) -> str:
    """A URL safe to show: no password (or lone user) in its authority, no credential
    in its query or fragment. A URL whose credentials are ambiguous shows none of them."""
    try:
        credentials = split_credentials(url)
        parts = urlsplit(url)
    except ValueError:
        guess = userinfo_guess(url)
        if guess is not None:
            url = url.replace(guess + "@", MASK + "@", 1)
        return redact_text(url)
    netloc = parts.netloc
    if credentials.userinfo is not None:
        host = netloc.rpartition("@")[2]
        if credentials.password is not None:
            netloc = f"{credentials.user}:{MASK}@{host}"
        elif parts.scheme.lower() in ("http", "https"):
            netloc = f"{MASK}@{host}"
    query, fragment = _mask_pairs(parts.query), _mask_pairs(parts.fragment)
    return redact_text(urlunsplit((parts.scheme, netloc, parts.path, query, fragment)))


def _mask_pairs(section: str) -> str:
    if "=" not in section:
        return section
    pairs = parse_qsl(section, keep_blank_values=True)
    if not any(is_credential_name(key) for key, _ in pairs):
        return section
    return urlencode([(k, MASK if is_credential_name(k) else v) for k, v in pairs], safe="*")


def redact_value(value: Any) -> Any:
    """A JSON-like value with every string in it redacted (keys too)."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


# Logs --------------------------------------------------------------------------------


def _redacting_factory(factory: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg, record.args = redact_text(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return record

    make_record.warroom_redacting = True  # type: ignore[attr-defined]
    return make_record


def install_log_redaction() -> None:
    """Mask secrets in every log record as it is made (warroom's, httpx's, asyncpg's)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "warroom_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))


install_log_redaction()
