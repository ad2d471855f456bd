"""Reading the credentials out of a URL or a DSN the way every client would, or refusing.

A password with an unencoded `/ # ? @` is read differently by different parsers: urllib
and httpx end the authority at the first `/ ? #` and take the last `@` before it; asyncpg
(urllib, then the *first* `@`) and libpq (the first `@` or `/`) take the first. The same
string then connects to a host named after part of the password, or with half of it,
and the rest shows up in error messages, targets and reasons. `split_credentials` reads
the user and password as every one of those parsers would agree, and raises
`CredentialError` (whose message never quotes the input) where they would not: the
caller reports a config error and the string is never used. `keyword_pairs` reads the
libpq `key=value` form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENCODE_ADVICE = "percent-encode them (@ as %40, / as %2F, ? as %3F, # as %23)"
_HOST = re.compile(r"^(?:\[[0-9A-Fa-f:.]+\]|[^:\[\]]*)(?::(?P<port>[^,]*))?$")


class CredentialError(ValueError):
    """A URL or DSN whose credentials clients would read differently. The message says
    why and what to do, and never quotes the string."""


@dataclass(frozen=True)
class Credentials:
    """The user and password of a URL as written (percent-encoded or not); None when the
    URL has no such part. `userinfo` is everything before the `@` that ends it."""

    user: str | None = None
    password: str | None = None
    userinfo: str | None = None


def split_credentials(url: str, *, first_at: bool = False) -> Credentials:
    """The credentials of `scheme://user:password@host...`, read as every parser agrees.

    `first_at` is for DSNs: asyncpg and libpq end the user information at the first `@`,
    so a second `@` is refused there (httpx and urllib take the last, so an `@` inside an
    http URL's password works and is accepted). CredentialError when the readings differ.
    """
    scheme_end = url.find("://")
    if scheme_end < 0:
        return Credentials()
    rest = url[scheme_end + 3 :]
    authority_end = _first_of(rest, "/?#")
    authority, tail = rest[:authority_end], rest[authority_end:]
    if "@" in authority:
        if "@" in tail:
            raise CredentialError(
                "its user:password part holds an unencoded '/', '?' or '#' (or an '@' "
                f"follows the host): {ENCODE_ADVICE}"
            )
        if first_at and authority.count("@") > 1:
            raise CredentialError(
                f"its password holds an unencoded '@', which PostgreSQL clients read as "
                f"the end of it: {ENCODE_ADVICE}"
            )
        userinfo = authority.rpartition("@")[0]
        user, colon, password = userinfo.partition(":")
        return Credentials(user, password if colon else None, userinfo)
    if "@" in tail and not _ports_are_numbers(authority):
        raise CredentialError(
            "its password seems to hold an unencoded '/', '?' or '#' (what follows the "
            f"host is not a port number): {ENCODE_ADVICE}"
        )
    return Credentials()


def userinfo_guess(url: str) -> str | None:
    """Everything between `://` and the last `@` of the URL: the widest reading of what
    may be credentials, for masking a URL that `split_credentials` refused."""
    scheme_end = url.find("://")
    at = url.rfind("@")
    if scheme_end < 0 or at < scheme_end + 3:
        return None
    return url[scheme_end + 3 : at]


def _first_of(text: str, characters: str) -> int:
    found = [index for index in (text.find(c) for c in characters) if index >= 0]
    return min(found, default=len(text))


def _ports_are_numbers(authority: str) -> bool:
    """Each `host[:port]` of the (comma-separated, for DSNs) authority has a numeric or
    empty port."""
    for host in authority.split(","):
        match = _HOST.match(host)
        if match is None:
            return False
        port = match["port"]
        if port and not port.isdigit():
            return False
    return True


_KEYWORD_PAIR = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']*)")


def keyword_pairs(dsn: str) -> dict[str, str]:
    """The pairs of a libpq `key=value key='quoted value'` connection string; ValueError
    (whose message never quotes the string) when it is not one."""
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
