"""Sending status updates through the outbox, and draining it while warroom runs.

`Delivery.send` queues one entry per channel of the audience (fsynced), tries each once
under the drain lock, and writes one `comms_sent` event with the outcome per channel.
`Delivery.drain` retries what is due (failed entries after their backoff, entries in
doubt after a restart) and writes a `comms_delivery` event for each that gets through.
`Delivery.run` drains until cancelled, waking at the next retry time or when `wake()` is
called ("retry now"); the console and `warroom watch` both run it. The clock is given
(tests move it; the retry schedule is `Outbox.backoff`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warroom.delivery.channels import Channel, channels_for
from warroom.delivery.outbox import Entry, Outbox
from warroom.delivery.senders import Attempt, Message, safe_detail, send
from warroom.model.delivery import DELIVERED, FAILED
from warroom.model.events import Event, EventKind, format_utc, new_event_id, utc_now

log = logging.getLogger(__name__)

Sender = Callable[[Channel, Message], Awaitable[Attempt]]
IDLE_SECONDS = 5.0
MIN_WAIT_SECONDS = 0.05


@dataclass
class SendReport:
    """What one send did: the message id, the outcome per channel, the event written
    (None when the store refused it: the outbox still has every entry)."""

    message: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    event: Event | None = None
    event_error: str = ""

    @property
    def delivered(self) -> int:
        return sum(1 for outcome in self.outcomes if outcome["outcome"] == DELIVERED)


class Delivery:
    """The outbox of a data folder, the configured channels, and the incident service
    that records what happened."""

    def __init__(
        self,
        outbox: Outbox,
        channels: Sequence[Channel],
        service: Any,
        clock: Callable[[], datetime] = utc_now,
        sender: Sender = send,
    ) -> None:
        self.outbox = outbox
        self.channels = list(channels)
        self.service = service
        self.clock = clock
        self.sender = sender
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self.unsent_count = 0

    def channels_for(self, audience: str) -> list[Channel]:
        return channels_for(self.channels, audience)

    def channel(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def wake(self) -> None:
        self._wake.set()

    @asynccontextmanager
    async def _draining(self) -> AsyncIterator[None]:
        """This process's lock, then the data folder's (another process may drain)."""
        async with self._lock:
            manager = self.outbox.draining()
            await asyncio.to_thread(manager.__enter__)
            try:
                yield
            finally:
                manager.__exit__(None, None, None)

    # Sending ------------------------------------------------------------------------

    async def send(
        self,
        incident_id: str,
        template: str,
        audience: str,
        text: str,
        next_update_at: datetime | None = None,
        status: str = "investigating",
        channels: Sequence[Channel] | None = None,
    ) -> SendReport:
        """Queue `text` for every channel of `audience` (or `channels`), try each once,
        and record the send as an event. OSError when the outbox cannot be written
        (then nothing was sent)."""
        targets = list(channels) if channels is not None else self.channels_for(audience)
        message = new_event_id()
        now = self.clock()
        entries = [
            Entry(
                key=f"{message}:{channel.name}",
                message=message,
                incident=incident_id,
                channel=channel.name,
                audience=audience,
                template=template,
                title=first_line(text),
                text=text,
                queued_at=now,
                next_update_at=format_utc(next_update_at) if next_update_at else "",
                extra={"status": status},
            )
            for channel in targets
        ]
        report = SendReport(message=message)
        if not entries:
            return report
        await asyncio.to_thread(self.outbox.enqueue, entries)
        async with self._draining():
            for entry in entries:
                fresh = self.outbox.get(entry.key) or entry
                attempt = await self._try(fresh)
                channel = self.channel(entry.channel)
                report.outcomes.append(
                    {
                        "name": entry.channel,
                        "service": channel.service if channel else "?",
                        "pager": bool(channel and channel.pager),
                        "outcome": DELIVERED if attempt.delivered else FAILED,
                        **({} if attempt.delivered else {"detail": attempt.detail}),
                    }
                )
        self._count()
        payload: dict[str, Any] = {
            "message": message,
            "template": template,
            "audience": audience,
            "channel": ", ".join(o["name"] for o in report.outcomes if o["outcome"] == DELIVERED),
            "text": text,
            "channels": report.outcomes,
        }
        if next_update_at is not None:
            payload["next_update_at"] = format_utc(next_update_at)
        try:
            report.event = await self.service.delivery_event(
                incident_id, EventKind.COMMS_SENT, payload
            )
        except Exception as error:  # the outbox has it all; say the timeline does not
            report.event_error = safe_detail(str(error))
        return report

    async def _try(self, entry: Entry) -> Attempt:
        """One try of one entry: `attempt` on disk first, the outcome after."""
        now = self.clock()
        channel = self.channel(entry.channel)
        if channel is None:
            attempt = Attempt(False, f"channel {entry.channel!r} is no longer in the config")
            await asyncio.to_thread(self.outbox.mark_failed, entry, now, attempt.detail)
            return attempt
        await asyncio.to_thread(self.outbox.mark_attempt, entry, now)
        remote = (
            self.outbox.last_remote_id(entry.incident, entry.channel)
            if channel.kind == "statuspage"
            else ""
        )
        message = Message(
            key=entry.key,
            title=entry.title,
            body=entry.text,
            incident=entry.incident,
            status=str(entry.extra.get("status", "investigating")),
            remote_id=remote,
        )
        try:
            attempt = await self.sender(channel, message)
        except Exception as error:  # a sender bug is a failed try, never a crash
            attempt = Attempt(False, safe_detail(f"{type(error).__name__}: {error}"))
        done = self.clock()
        if attempt.delivered:
            await asyncio.to_thread(self.outbox.mark_delivered, entry, done, attempt.remote_id)
        else:
            await asyncio.to_thread(
                self.outbox.mark_failed, entry, done, attempt.detail or "not delivered"
            )
        return attempt

    # Draining -----------------------------------------------------------------------

    async def drain(self) -> list[Event]:
        """Try every entry that is due; the `comms_delivery` events written."""
        events: list[Event] = []
        async with self._draining():
            due = self.outbox.due(self.clock())  # read under the lock: nobody else sends
            for entry in due:
                attempt = await self._try(entry)
                if not attempt.delivered:
                    continue
                payload = {
                    "message": entry.message,
                    "template": entry.template,
                    "audience": entry.audience,
                    "channel": entry.channel,
                    "outcome": DELIVERED,
                    "attempts": entry.attempts + 1,
                }
                if entry.next_update_at:
                    payload["next_update_at"] = entry.next_update_at
                try:
                    events.append(
                        await self.service.delivery_event(
                            entry.incident, EventKind.COMMS_DELIVERY, payload
                        )
                    )
                except Exception as error:  # delivered all the same; the outbox says so
                    log.warning("delivery of %s not recorded: %s", entry.key, error)
        self._count()
        return events

    def _count(self) -> None:
        self.unsent_count = len(self.outbox.unsent())

    async def run(
        self,
        on_events: Callable[[list[Event]], object] | None = None,
        idle: float = IDLE_SECONDS,
    ) -> None:
        """Drain until cancelled: at each retry time, on `wake()`, and every `idle` s."""
        while True:
            try:
                events = await self.drain()
            except Exception as error:  # the outbox must outlive any trouble
                log.warning("outbox drain failed: %s", error)
                events = []
            if on_events is not None:
                on_events(events)
            nxt = self.outbox.next_retry()
            wait = idle
            if nxt is not None:
                wait = min(idle, max((nxt - self.clock()).total_seconds(), MIN_WAIT_SECONDS))
            self._wake.clear()
            with suppress(TimeoutError):  # asyncio.timeout: see runtime.scheduler.run
                async with asyncio.timeout(wait):
                    await self._wake.wait()


def first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
