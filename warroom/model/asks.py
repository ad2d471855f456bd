"""Asks: the IC's time-boxed questions to a person ("@dana check replica lag, 5m").

An ask is opened, then answered, extended, re-asked to someone else or dropped; each of
these is one `ask` event whose payload names the `action` and the ask's short id (`ask`).
Every action's payload repeats the owner and the question, so the timeline line reads on
its own. `apply_ask` folds those events into `IncidentState.asks` (called by the fold);
`AskDeadlineRule` is the timed rule that fires once when an open ask's deadline passes
(an extension or a re-ask makes a new deadline, with a new key, that fires again).

Reading what the IC types (`parse_ask_line`, `parse_time_box`) lives here too, so the
console and the CLI refuse the same things in the same words. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom.model.events import Event, EventError, format_utc, parse_utc
from warroom.model.text import inert, shorten
from warroom.model.timed import Deadline

if TYPE_CHECKING:
    from warroom.model.incident import IncidentState

ASK_RULE = "ask-expired"
OPEN, ANSWERED, DROPPED = "open", "answered", "dropped"
ACTIONS = ("open", "answer", "extend", "reassign", "drop")
DEFAULT_TIME_BOX = timedelta(minutes=5)
MAX_TIME_BOX = timedelta(hours=24)
MAX_QUESTION = 300
MAX_ANSWER = 1000
NO_STREAM = ""

_OWNER = re.compile(r"^@([A-Za-z][\w.-]*)$")
_BOX = re.compile(r"^\+?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_STREAM = re.compile(r"^#([\w.-]{1,40})$")
_STREAM_NAME = re.compile(r"^[\w.-]{1,40}$")


class AskError(ValueError):
    """What the IC typed cannot make an ask (no owner, a time box no one can hold...)."""


@dataclass
class Ask:
    """One ask as the fold knows it now."""

    id: str
    owner: str
    question: str
    stream: str
    asked_at: datetime
    asked_by: str
    due: datetime
    status: str = OPEN
    answer: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""
    # Every owner it was asked of, oldest first (a re-ask appends).
    owners: list[str] = field(default_factory=list)
    extensions: int = 0

    @property
    def is_open(self) -> bool:
        return self.status == OPEN

    def remaining(self, now: datetime) -> timedelta:
        return self.due - now

    def overdue(self, now: datetime) -> bool:
        return self.is_open and now >= self.due

    @property
    def deadline_key(self) -> str:
        """The key of the deadline now in force: a new due time is a new key."""
        return f"{ASK_RULE}:{self.id}:{format_utc(self.due)}"


# Reading what people type --------------------------------------------------------------


def parse_time_box(text: str) -> timedelta:
    """`5m`, `90s`, `1h30m`, `+10m` or a bare number of minutes, between 1 s and 24 h."""
    raw = text.strip().casefold().replace(" ", "")
    if raw.isdigit():
        raw += "m"
    match = _BOX.match(raw)
    if not raw or match is None or not any(match.groups()):
        raise AskError(f"time box '{inert(text, single_line=True)}': write it as 5m, 90s or 1h30m")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    if max(hours, minutes, seconds) > 10_000:
        raise AskError(f"time box {text.strip()!r} is longer than {format_box(MAX_TIME_BOX)}")
    box = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if box <= timedelta(0):
        raise AskError("a time box must be longer than 0s")
    if box > MAX_TIME_BOX:
        raise AskError(f"time box {text.strip()!r} is longer than {format_box(MAX_TIME_BOX)}")
    return box


def format_box(box: timedelta) -> str:
    """`5m`, `90s` as `1m30s`, `1h30m`: how a time box is written back."""
    seconds = int(box.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


def clean_owner(text: str) -> str:
    """`@dana` or `dana` -> `dana`; anything that is not a plain handle is refused."""
    raw = text.strip()
    match = _OWNER.match(raw if raw.startswith("@") else f"@{raw}")
    if match is None:
        raise AskError(
            f"owner '{inert(raw, single_line=True)}': write a handle like @dana"
            " (letters, digits, . _ -)"
        )
    return match[1]


def clean_stream(text: str) -> str:
    raw = text.strip().lstrip("#")
    if not raw:
        return NO_STREAM
    if not _STREAM_NAME.match(raw):
        raise AskError(
            f"workstream '{inert(raw, single_line=True)}': one word (letters, digits, . _ -)"
        )
    return raw


def clean_question(text: str) -> str:
    question = " ".join(text.split())
    if not question:
        raise AskError("an ask needs a question: @dana check replica lag")
    if len(question) > MAX_QUESTION:
        raise AskError(f"the question is longer than {MAX_QUESTION} characters")
    return question


@dataclass(frozen=True)
class AskRequest:
    """An ask as typed: who, what, how long, which workstream (None: the default box)."""

    owner: str
    question: str
    box: timedelta | None = None
    stream: str = NO_STREAM


def parse_ask_line(line: str) -> AskRequest:
    """`@dana check replica lag 5m #db`: the owner first; a time box (`5m`, `in 5m`) and a
    `#workstream` may close the line in either order."""
    words = line.split()
    if not words:
        raise AskError("type @owner, the question, then a time box: @dana check replica lag 5m")
    if not words[0].startswith("@"):
        raise AskError("start with who you ask: @dana check replica lag 5m")
    owner = clean_owner(words[0])
    rest = words[1:]
    box: timedelta | None = None
    stream = NO_STREAM
    for _ in range(2):
        if not rest:
            break
        last = rest[-1]
        if stream == NO_STREAM and _STREAM.match(last):
            stream = clean_stream(last)
            rest = rest[:-1]
        elif box is None and _looks_like_box(last):
            box = parse_time_box(last)
            rest = rest[:-1]
            if rest and rest[-1].casefold() == "in":
                rest = rest[:-1]
    return AskRequest(owner, clean_question(" ".join(rest)), box, stream)


def _looks_like_box(word: str) -> bool:
    raw = word.casefold()
    return raw[-1:] in ("h", "m", "s") and bool(_BOX.match(raw))


# The fold ------------------------------------------------------------------------------


def apply_ask(asks: dict[str, Ask], event: Event) -> None:
    """Fold one `ask` event; an action on an unknown or closed ask changes nothing (the
    timeline still shows it)."""
    payload = event.payload
    ask_id = str(payload.get("ask", ""))
    action = payload.get("action")
    if action == "open":
        if not ask_id or ask_id in asks:
            return
        due = _time(payload.get("due")) or event.at + DEFAULT_TIME_BOX
        owner = str(payload.get("owner", ""))
        asks[ask_id] = Ask(
            id=ask_id,
            owner=owner,
            question=str(payload.get("question", "")),
            stream=str(payload.get("stream") or NO_STREAM),
            asked_at=event.at,
            asked_by=event.author,
            due=due,
            owners=[owner],
        )
        return
    ask = asks.get(ask_id)
    if ask is None or not ask.is_open:
        return
    if action == "answer":
        ask.status, ask.answer = ANSWERED, str(payload.get("answer", ""))
        ask.closed_at, ask.closed_by = event.at, event.author
    elif action == "drop":
        ask.status, ask.answer = DROPPED, str(payload.get("reason", ""))
        ask.closed_at, ask.closed_by = event.at, event.author
    elif action in ("extend", "reassign"):
        due = _time(payload.get("due"))
        if due is not None:
            ask.due = due
        if action == "extend":
            ask.extensions += 1
        else:
            ask.owner = str(payload.get("owner") or ask.owner)
            ask.owners.append(ask.owner)


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_utc(value)
    except EventError:
        return None


def describe_ask(payload: Mapping[str, Any]) -> str:
    """The timeline line of an `ask` event (plain text; the UI keeps it plain)."""
    owner = f"@{payload.get('owner', '')}"
    question = str(payload.get("question", ""))
    due = _time(payload.get("due"))
    by = f", due {due:%H:%M:%S} UTC" if due else ""
    match payload.get("action"):
        case "open":
            stream = payload.get("stream")
            where = f" [{stream}]" if stream else ""
            return f"Ask {owner}: {question}{where}{by}"
        case "answer":
            return f"Answer from {owner} ({question}): {payload.get('answer', '')}"
        case "extend":
            return f"Ask {owner} extended +{payload.get('box', '')}: {question}{by}"
        case "reassign":
            previous = payload.get("previous")
            before = f"@{previous} -> " if previous else ""
            return f"Ask re-asked {before}{owner}: {question}{by}"
        case "drop":
            reason = payload.get("reason")
            return f"Ask dropped ({owner}): {question}" + (f": {reason}" if reason else "")
    return f"Ask {owner}: {question}"


# Reading the state ---------------------------------------------------------------------


def open_asks(state: IncidentState) -> list[Ask]:
    """Open asks, soonest deadline first."""
    return sorted((ask for ask in state.asks.values() if ask.is_open), key=lambda a: (a.due, a.id))


def closed_asks(state: IncidentState) -> list[Ask]:
    """Answered and dropped asks, most recently closed first."""
    closed = [ask for ask in state.asks.values() if not ask.is_open]
    return sorted(closed, key=lambda a: a.closed_at or a.asked_at, reverse=True)


def ask_counts(state: IncidentState, now: datetime) -> tuple[int, int]:
    """(open asks, overdue asks): what the header shows."""
    opened = [ask for ask in state.asks.values() if ask.is_open]
    return len(opened), sum(1 for ask in opened if ask.overdue(now))


def by_stream(asks: Iterable[Ask]) -> list[tuple[str, list[Ask]]]:
    """Asks grouped by workstream, in the order of `asks` (soonest due first when they
    come from `open_asks`): the group holding the most urgent ask comes first."""
    groups: dict[str, list[Ask]] = {}
    for ask in asks:
        groups.setdefault(ask.stream, []).append(ask)
    return list(groups.items())


def find_ask(state: IncidentState, wanted: str, *, open_only: bool = True) -> Ask:
    """The one ask whose id starts with `wanted` (open ones unless `open_only` is off)."""
    prefix = wanted.strip().casefold()
    if not prefix:
        raise AskError("name the ask by its id (first characters; see: warroom asks ID)")
    pool = [a for a in state.asks.values() if a.is_open or not open_only]
    found = [a for a in pool if a.id.startswith(prefix)]
    if len(found) == 1:
        return found[0]
    if found:
        raise AskError(f"{len(found)} asks start with {prefix!r}: type more of the id")
    closed = [a for a in state.asks.values() if not a.is_open and a.id.startswith(prefix)]
    if open_only and closed:
        raise AskError(f"ask {closed[0].id} is already {closed[0].status}")
    raise AskError(f"no open ask '{inert(prefix, single_line=True)}' (see: warroom asks ID)")


def countdown(ask: Ask, now: datetime) -> str:
    """`4:12 left`, or `OVERDUE 1:03` once the deadline has passed."""
    seconds = int(ask.remaining(now).total_seconds())
    if seconds <= 0 and ask.is_open:
        return f"OVERDUE {_mm_ss(-seconds)}"
    return f"{_mm_ss(seconds)} left"


def _mm_ss(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def ask_line(ask: Ask, now: datetime, width: int = 80) -> str:
    """`@dana: check replica lag (due 14:05 UTC, 3:10 left)`: one plain line for the
    responders' update and the handoff brief."""
    due = ask.due.astimezone(UTC)
    question = shorten(inert(ask.question, single_line=True), width)
    return f"@{ask.owner}: {question} (due {due:%H:%M} UTC, {countdown(ask, now)})"


def waiting_on_lines(state: IncidentState, now: datetime, limit: int = 30) -> str:
    """`- waiting on @dana: check replica lag (due 14:05 UTC)` per open ask, soonest first,
    `(overdue since 14:05 UTC)` once late (the responders' update; never an external
    audience's)."""
    lines = []
    for ask in open_asks(state)[:limit]:
        question = shorten(inert(ask.question, single_line=True), 200)
        due = f"{ask.due.astimezone(UTC):%H:%M} UTC"
        when = f"overdue since {due}" if ask.overdue(now) else f"due {due}"
        lines.append(f"- waiting on @{ask.owner}: {question} ({when})")
    return "\n".join(lines)


# The timed rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class AskDeadlineRule:
    """An open ask's deadline passing: fired once per deadline (`timer_fired`)."""

    name: str = ASK_RULE

    def deadlines(self, state: IncidentState, now: datetime) -> Iterator[Deadline]:
        if not state.is_open:
            return
        for ask in state.asks.values():
            if not ask.is_open:
                continue
            question = shorten(inert(ask.question, single_line=True), 120)
            yield Deadline(
                key=ask.deadline_key,
                rule=self.name,
                at=ask.due,
                message=(
                    f"Ask overdue: @{ask.owner} {question}"
                    f" (due {ask.due.astimezone(UTC):%H:%M:%S} UTC)"
                ),
                payload={"ask": ask.id, "owner": ask.owner},
            )
