"""Asks and handoffs as events: what the console and the CLI call to change them.

Each function validates against the incident's current state, then appends one event
through the `IncidentService` (so secrets are masked, read-only is refused and the event
is stored before anyone shows it). `AskError` and `IncidentError` say what was wrong in
one line; nothing is written then.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from warroom.model.asks import (
    MAX_ANSWER,
    Ask,
    AskError,
    AskRequest,
    clean_owner,
    format_box,
)
from warroom.model.events import Event, EventKind, format_utc
from warroom.model.incident import IncidentState
from warroom.services.incidents import IncidentError, IncidentService

# Short ask ids: lowercase letters and digits that are not easily confused when read out.
_ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ASK_ID_LENGTH = 4


def new_ask_id(taken: set[str] | dict[str, Any]) -> str:
    """A short random id no ask of the incident has (nor starts with, nor is the start of)."""
    for _ in range(1000):
        made = "".join(secrets.choice(_ID_ALPHABET) for _ in range(ASK_ID_LENGTH))
        if not any(made.startswith(t) or t.startswith(made) for t in taken):
            return made
    raise IncidentError("could not make a new ask id (too many asks?)")  # pragma: no cover


def _refuse_closed(state: IncidentState) -> None:
    if not state.is_open:
        raise IncidentError(f"{state.id} is resolved: reopen it (status) to ask anything")


async def _write(service: IncidentService, state: IncidentState, payload: dict[str, Any]) -> Event:
    return await service._append(service._event(state.id, EventKind.ASK, payload))


def _about(ask: Ask) -> dict[str, Any]:
    return {"ask": ask.id, "owner": ask.owner, "question": ask.question, "stream": ask.stream}


async def open_ask(
    service: IncidentService, state: IncidentState, request: AskRequest, default_box: timedelta
) -> Event:
    _refuse_closed(state)
    box = request.box or default_box
    due = service.now() + box
    payload = {
        "action": "open",
        "ask": new_ask_id(state.asks),
        "owner": request.owner,
        "question": request.question,
        "stream": request.stream,
        "box": format_box(box),
        "due": format_utc(due),
    }
    return await _write(service, state, payload)


async def answer_ask(
    service: IncidentService, state: IncidentState, ask: Ask, answer: str
) -> Event:
    text = answer.strip()
    if not text:
        raise AskError("an answer needs some text (drop the ask if there is none)")
    if len(text) > MAX_ANSWER:
        raise AskError(f"the answer is longer than {MAX_ANSWER} characters")
    return await _write(service, state, {**_about(ask), "action": "answer", "answer": text})


async def extend_ask(
    service: IncidentService, state: IncidentState, ask: Ask, box: timedelta
) -> Event:
    """More time: from the deadline, or from now when it has passed already."""
    due = max(ask.due, service.now()) + box
    payload = {**_about(ask), "action": "extend", "box": format_box(box), "due": format_utc(due)}
    return await _write(service, state, payload)


async def reassign_ask(
    service: IncidentService, state: IncidentState, ask: Ask, owner: str, box: timedelta
) -> Event:
    """Ask someone else, with a fresh time box from now."""
    new_owner = clean_owner(owner)
    if new_owner.casefold() == ask.owner.casefold():
        raise AskError(f"@{ask.owner} already has this ask (extend it instead)")
    payload = {
        **_about(ask),
        "action": "reassign",
        "owner": new_owner,
        "previous": ask.owner,
        "box": format_box(box),
        "due": format_utc(service.now() + box),
    }
    return await _write(service, state, payload)


async def drop_ask(
    service: IncidentService, state: IncidentState, ask: Ask, reason: str = ""
) -> Event:
    payload = {**_about(ask), "action": "drop", "reason": " ".join(reason.split())[:300]}
    return await _write(service, state, payload)


async def take_command(service: IncidentService, state: IncidentState, name: str) -> Event:
    """`name` becomes IC; logged as "IC: Dana -> Marco"."""
    _refuse_closed(state)
    new_ic = " ".join(name.split())
    if not new_ic:
        raise IncidentError("who takes command? a name is needed")
    if len(new_ic) > 80:
        raise IncidentError("a name longer than 80 characters is not a name")
    previous = state.roles.get("IC", "")
    if previous == new_ic:
        raise IncidentError(f"{new_ic} is already IC")
    payload = {"role": "IC", "name": new_ic, "previous": previous, "handoff": True}
    return await service._append(service._event(state.id, EventKind.ROLE_ASSIGNED, payload))
