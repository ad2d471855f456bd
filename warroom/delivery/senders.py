"""Sending one message to one channel, once, and saying honestly how it went.

Apprise channels go through Apprise (its own retries off: the outbox retries, with
backoff, and keeps the record); an Atlassian Statuspage channel through its REST API
with httpx. A sender never raises for a delivery problem: it returns an `Attempt` whose
`detail` is one line with every known secret masked (a channel URL quoted by Apprise or
an API key echoed by a server never reaches the screen, the timeline or the outbox).

Apprise cannot make a chat service drop a duplicate, so exactly-once is the outbox's job
(see `warroom.delivery.outbox`); the idempotency key is still offered to receivers that
can use it: as the `Idempotency-Key` header and an `idempotency_key` field of json://,
form:// and xml:// bodies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from warroom.delivery.channels import Channel, scheme_of
from warroom.model.text import inert
from warroom.redact import redact_text

if TYPE_CHECKING:
    import httpx

CONNECT_TIMEOUT_SECONDS = 4.0
READ_TIMEOUT_SECONDS = 10.0
KEYED_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
MAX_DETAIL = 200
# warroom's statuses as Statuspage's incident statuses (it has no "mitigating").
STATUSPAGE_STATUS = {
    "investigating": "investigating",
    "identified": "identified",
    "mitigating": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
}


@dataclass(frozen=True)
class Attempt:
    """How one try went. `remote_id`: what the destination calls the message (a
    Statuspage incident id), kept so a later update edits it instead of opening another."""

    delivered: bool
    detail: str = ""
    remote_id: str = ""


@dataclass(frozen=True)
class Message:
    """What is sent: the title and body of a status update, and its idempotency key."""

    key: str
    title: str
    body: str
    incident: str = ""
    status: str = "investigating"
    remote_id: str = ""  # the destination's id of an earlier message of the incident


def safe_detail(text: str) -> str:
    return inert(redact_text(text), single_line=True)[:MAX_DETAIL]


def keyed_url(url: str, key: str) -> str:
    """The Apprise URL with the idempotency key as a header and a body field (json://,
    form://, xml://; other services have no place for it)."""
    if scheme_of(url) not in KEYED_SCHEMES:
        return url
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}+Idempotency-Key={key}&:idempotency_key={key}"


def timed_url(url: str) -> str:
    """Apprise's own retries off and its socket timeouts bounded."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}retry=0&cto={CONNECT_TIMEOUT_SECONDS:g}&rto={READ_TIMEOUT_SECONDS:g}"


def send_apprise(channel: Channel, message: Message) -> Attempt:
    """One try through Apprise (blocking: call it in a thread)."""
    import apprise

    url = timed_url(keyed_url(channel.url, message.key))  # the channel's URL is registered
    try:
        with apprise.LogCapture(level=logging.WARNING) as captured:
            sender = apprise.Apprise()
            if not sender.add(url):
                return Attempt(False, "Apprise cannot use this channel's URL")
            delivered = bool(sender.notify(body=message.body))  # the body has it all
            log = captured.getvalue() if hasattr(captured, "getvalue") else ""
    except Exception as error:  # a plugin bug must not stop the outbox
        return Attempt(False, safe_detail(f"{type(error).__name__}: {error}"))
    if delivered:
        return Attempt(True, "delivered")
    lines = [line.split(" - ", 2)[-1] for line in str(log).splitlines() if line.strip()]
    return Attempt(False, safe_detail(lines[-1] if lines else "not delivered"))


async def send_statuspage(
    channel: Channel, message: Message, client: httpx.AsyncClient | None = None
) -> Attempt:
    """Open an incident on an Atlassian Statuspage, or post an update to the one this
    warroom incident opened (`message.remote_id`)."""
    import httpx  # imported here: the console starts without it (its first frame is sooner)

    base = f"{channel.api_url}/pages/{channel.page_id}/incidents"
    status = STATUSPAGE_STATUS.get(message.status, "investigating")
    body: dict[str, Any] = {
        "incident": {"name": message.title, "status": status, "body": message.body}
    }
    if channel.components:
        body["incident"]["component_ids"] = list(channel.components)
    headers = {"Authorization": f"OAuth {channel.api_key}", "Idempotency-Key": message.key}
    own = client is None
    client = client or httpx.AsyncClient(
        timeout=httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
    )
    try:
        if message.remote_id:
            response = await client.patch(f"{base}/{message.remote_id}", json=body, headers=headers)
        else:
            response = await client.post(base, json=body, headers=headers)
    except httpx.HTTPError as error:
        reason = str(error) or type(error).__name__
        return Attempt(False, safe_detail(f"Statuspage unreachable: {reason}"))
    finally:
        if own:
            await client.aclose()
    if response.status_code >= 300:
        return Attempt(False, safe_detail(f"Statuspage answered HTTP {response.status_code}"))
    try:
        remote = str(response.json().get("id") or message.remote_id)
    except (ValueError, AttributeError):
        remote = message.remote_id
    return Attempt(True, "delivered", remote_id=inert(remote, single_line=True)[:64])


async def send(channel: Channel, message: Message) -> Attempt:
    """One try to one channel, whatever its kind."""
    import asyncio

    if channel.kind == "statuspage":
        return await send_statuspage(channel, message)
    return await asyncio.to_thread(send_apprise, channel, message)
