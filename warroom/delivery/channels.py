"""`[[channel]]` tables: where a status update can be sent, and for which audiences.

```toml
[[channel]]
name = "incident-room"
url = "${SLACK_INCIDENT_WEBHOOK}"   # any Apprise URL: slack://, json://, mailto://...
audiences = ["responders"]

[[channel]]
name = "oncall"
url = "${PAGERDUTY_URL}"            # pagerduty://, opsgenie://...: a pager
audiences = ["escalation"]

[[channel]]
name = "public-status"
kind = "statuspage"                 # an Atlassian Statuspage, through its REST API
page_id = "abc123"
api_key = "${STATUSPAGE_API_KEY}"
audiences = ["customers"]
```

A channel's URL (and a Statuspage API key) is a secret: it carries the webhook's token.
It is registered with `warroom.redact` as soon as it is read, in every form it can show
in, and nothing warroom prints names it: a channel is shown by its name and the kind of
service (`incident-room (slack)`). A table warroom cannot use is a one-line
`ConfigError` naming the channel and the field, never the URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from warroom.redact import (
    looks_like_a_key,
    register_password,
    register_secret,
    register_url_secrets,
)

# Apprise schemes that page a person rather than post to a room.
PAGER_SCHEMES = frozenset(
    {"pagerduty", "opsgenie", "pagertree", "spike", "signl4", "splunk", "victorops"}
)
STATUSPAGE_API = "https://api.statuspage.io/v1"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")
APPRISE_KEYS = frozenset({"name", "url", "audiences", "pager", "kind"})
STATUSPAGE_KEYS = frozenset(
    {"name", "kind", "audiences", "page_id", "api_key", "api_url", "components"}
)
KINDS = ("apprise", "statuspage")
# A URL path this long is registered whole (shorter ones, like "/hook", are words).
PATH_SECRET_LENGTH = 8


class ChannelError(ValueError):
    """A `[[channel]]` table that cannot be used (the message never quotes a URL)."""


@dataclass(frozen=True)
class Channel:
    """One destination. `url` and `api_key` are secrets: never print them."""

    name: str
    audiences: tuple[str, ...]
    kind: str = "apprise"  # "apprise" | "statuspage"
    url: str = field(default="", repr=False)
    pager: bool = False
    page_id: str = ""
    api_key: str = field(default="", repr=False)
    api_url: str = STATUSPAGE_API
    components: tuple[str, ...] = ()

    @property
    def service(self) -> str:
        """What kind of destination this is, safe to show: `slack`, `json`, `statuspage`."""
        if self.kind == "statuspage":
            return "statuspage"
        return scheme_of(self.url) or "apprise"

    @property
    def label(self) -> str:
        """How the channel is named on screen, in events and errors: no secret in it."""
        pager = ", pager" if self.pager else ""
        return f"{self.name} ({self.service}{pager})"

    def serves(self, audience: str) -> bool:
        return audience.casefold() in (a.casefold() for a in self.audiences)


def scheme_of(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return ""
    return scheme.lower()


def register_channel_secrets(url: str) -> None:
    """The whole URL, its credentials, and every piece of it that reads like a token
    (`slack://T0AAA/B0BBB/abcdef...` carries its secret in the path)."""
    register_secret(url)
    with suppress(ValueError):  # it registered what could show; Apprise refuses the URL
        register_url_secrets(url)
    rest = url.partition("://")[2]
    register_secret(rest)  # as an http(s) URL in a log line: "POST http://<rest>"
    path = rest.partition("/")[2].partition("?")[0]
    if len(path) >= PATH_SECRET_LENGTH:
        register_password("/" + path)  # a webhook's path is its secret
    for piece in re.split(r"[/#?@:&=,]", rest):
        if looks_like_a_key(piece):
            register_password(piece)


def parse_channels(tables: object, where: str = "config") -> list[Channel]:
    """Every `[[channel]]` table, checked; ChannelError names the first problem."""
    if tables is None:
        return []
    if not isinstance(tables, list) or not all(isinstance(t, Mapping) for t in tables):
        raise ChannelError(f"{where}: channel: expected [[channel]] tables")
    channels: list[Channel] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        channel = parse_channel(table, f"{where}: channel {number}")
        if channel.name.casefold() in seen:
            raise ChannelError(f"{where}: channel {channel.name!r} is defined twice")
        seen.add(channel.name.casefold())
        channels.append(channel)
    return channels


def parse_channel(table: Mapping[str, Any], where: str) -> Channel:
    from warroom.config import ConfigError, expand_env

    name = table.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ChannelError(f"{where}: name: expected 1-40 letters, digits, spaces, '.', '_' or '-'")
    where = f"{where.rsplit(':', 1)[0]}: channel {name!r}"
    kind = table.get("kind", "apprise")
    if kind not in KINDS:
        raise ChannelError(f"{where}: kind: expected one of {', '.join(KINDS)}")
    allowed = STATUSPAGE_KEYS if kind == "statuspage" else APPRISE_KEYS
    unknown = sorted(str(key) for key in table if key not in allowed)
    if unknown:
        raise ChannelError(f"{where}: unknown field {unknown[0]!r}")
    audiences = _audiences(table.get("audiences"), where)

    def secret(key: str) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ChannelError(f"{where}: {key}: expected a non-empty string")
        try:
            expanded = expand_env(value, f"{where}: {key}").strip()
        except ConfigError as error:
            raise ChannelError(str(error)) from None
        if not expanded:
            raise ChannelError(f"{where}: {key}: empty after ${{...}} expansion")
        return expanded

    if kind == "statuspage":
        api_key = secret("api_key")
        register_secret(api_key)
        page_id = table.get("page_id")
        if not isinstance(page_id, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", page_id):
            raise ChannelError(f"{where}: page_id: expected the page's id (letters, digits)")
        api_url = table.get("api_url", STATUSPAGE_API)
        if not isinstance(api_url, str) or not api_url.startswith(("http://", "https://")):
            raise ChannelError(f"{where}: api_url: expected an http(s) URL")
        components = table.get("components", [])
        if not isinstance(components, list) or not all(isinstance(c, str) for c in components):
            raise ChannelError(f"{where}: components: expected a list of component ids")
        return Channel(
            name=name,
            audiences=audiences,
            kind="statuspage",
            page_id=page_id,
            api_key=api_key,
            api_url=api_url.rstrip("/"),
            components=tuple(components),
        )
    url = secret("url")
    register_channel_secrets(url)
    if not scheme_of(url):
        raise ChannelError(f"{where}: url: not a URL (expected scheme://..., e.g. slack://)")
    if not apprise_understands(url):
        raise ChannelError(
            f"{where}: url: Apprise does not understand this {scheme_of(url)}:// URL"
        )
    pager = table.get("pager")
    if pager is not None and not isinstance(pager, bool):
        raise ChannelError(f"{where}: pager: expected true or false")
    return Channel(
        name=name,
        audiences=audiences,
        url=url,
        pager=pager if pager is not None else scheme_of(url) in PAGER_SCHEMES,
    )


def _audiences(value: object, where: str) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or not all(isinstance(a, str) and a.strip() for a in value)
    ):
        raise ChannelError(f'{where}: audiences: expected a list such as ["responders"]')
    return tuple(a.strip() for a in value)


def apprise_understands(url: str) -> bool:
    """Apprise reads the URL as one of its services (nothing is sent)."""
    import apprise

    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None
    except Exception:
        return False


def channels_for(channels: Sequence[Channel], audience: str) -> list[Channel]:
    """The channels bound to `audience`, in config order."""
    return [channel for channel in channels if channel.serves(audience)]
