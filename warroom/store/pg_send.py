"""Sending the offline queue to the database, in order, setting aside what it refuses.

`send_queue` runs on the store's query connection (its caller holds the statement lock).
Batches are read from the queue, their incidents checked, and inserted in one transaction
(inserts are idempotent by event id, so a batch sent twice is stored once). An event the
database refuses for good is set aside in the queue's rejected file with the reason, never
retried for ever and never dropped: `warroom db queue` shows it, and the header and every
command say it is there. Losing the connection mid-way raises, and the next attempt
resends from the last recorded offset.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import asyncpg

from warroom.model.events import Event
from warroom.store.pg_rows import (
    INSERT_EVENT,
    describe_error,
    event_params,
    is_refusal,
    is_unreachable,
)
from warroom.store.queue import OfflineQueue

log = logging.getLogger(__name__)

SELECT_KNOWN_INCIDENTS = (
    "SELECT coalesce(array_agg(id), '{}') FROM warroom_incidents WHERE id = ANY($1::text[])"
)


@dataclass
class SendOutcome:
    """What one pass over the queue did (`busy`: another process is sending it)."""

    sent: list[Event] = field(default_factory=list)
    rejected: list[Event] = field(default_factory=list)
    busy: bool = False


def _broken(conn: asyncpg.Connection, error: BaseException) -> bool:
    """The connection cannot be used any more (a server gone mid-message confuses asyncpg:
    it may raise InternalClientError and close the connection without telling us)."""
    return conn.is_closed() or isinstance(error, asyncpg.exceptions.InternalClientError)


def connection_trouble(conn: asyncpg.Connection, error: BaseException) -> bool:
    return is_unreachable(error) or _broken(conn, error)


async def send_queue(
    conn: asyncpg.Connection, queue: OfflineQueue, target: str, on_sent: Callable[[], None]
) -> SendOutcome:
    """Send every queued event (see the module docstring); `on_sent` after each batch."""
    outcome = SendOutcome()
    with queue.sender() as mine:
        if not mine:
            outcome.busy = True
            return outcome
        while batch := queue.pending():
            for problem in batch.problems:  # a damaged line: it cannot be sent or shown
                log.warning("offline queue %s: %s (skipped)", queue.path, problem)
            wanted = sorted({event.incident_id for event in batch.events})
            known = set(await conn.fetchval(SELECT_KNOWN_INCIDENTS, wanted))
            sendable: list[Event] = []
            for event in batch.events:
                if event.incident_id in known:
                    sendable.append(event)
                else:
                    reason = f"incident {event.incident_id} is not in {target}"
                    queue.reject(event, reason)
                    outcome.rejected.append(event)
            refused = await _insert(conn, queue, sendable)
            outcome.rejected.extend(refused)
            outcome.sent.extend(e for e in sendable if e not in refused)
            queue.mark_sent(batch.end)
            on_sent()
        queue.compact()
    if outcome.rejected:  # shown by the header, every command and `warroom db queue`
        log.info(
            "offline queue: %d event(s) refused by %s, set aside in %s",
            len(outcome.rejected),
            target,
            queue.rejected_path,
        )
    return outcome


async def _insert(
    conn: asyncpg.Connection, queue: OfflineQueue, events: list[Event]
) -> list[Event]:
    """One transaction for the lot; if the database refuses it, one by one, setting aside
    each event it refuses (returned)."""
    if not events:
        return []
    try:
        async with conn.transaction():
            await conn.executemany(INSERT_EVENT, [event_params(e) for e in events])
        return []
    except Exception as error:
        if connection_trouble(conn, error) or is_refusal(error):
            raise  # the connection, or the server refusing us (a privilege): keep the queue
    refused: list[Event] = []
    for event in events:
        try:
            await conn.execute(INSERT_EVENT, *event_params(event))
        except Exception as error:
            if connection_trouble(conn, error) or is_refusal(error):
                raise
            queue.reject(event, f"refused by the database: {describe_error(error)}")
            refused.append(event)
    return refused
