"""Handing over command: the brief a new IC reads, roles nobody holds, the IC's stint.

`handoff_brief` is the text the outgoing IC copies (`H` in the console, `warroom handoff
ID`): severity, impact, status, open asks with their time left, live hypotheses,
decisions, the next update due, who holds which role (and which roles nobody holds), and
what was tried. `IcStintRule` is the timed rule that says once per stint "IC on for 3h:
consider a handoff". Accepting command is a `role_assigned` event for IC whose payload
names the previous holder and says `handoff: true` (the timeline shows "IC: Dana ->
Marco"). Pure: no I/O, no clock.

Hypotheses and decisions come from the notes side of issue 16 (`warroom.model.hypotheses`,
`warroom.model.decisions`): `live_hypotheses` and `decision_lines` are the two places the
brief reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from warroom.model.asks import ask_line, open_asks
from warroom.model.decisions import decision_detail, decisions
from warroom.model.events import NoteKind, format_utc
from warroom.model.figures import format_duration, next_update_due
from warroom.model.hypotheses import CONFIRMED, RULED_OUT, hypotheses
from warroom.model.incident import DEFAULT_ROLES, IncidentState, TimelineEntry
from warroom.model.severity import SeverityLadder
from warroom.model.text import inert, shorten
from warroom.model.timed import Deadline

STINT_RULE = "ic-stint"
DEFAULT_STINT = timedelta(hours=3)
# The brief lists the latest of each kind, so it stays readable aloud.
BRIEF_ITEMS = 8


def line(text: str, width: int = 200) -> str:
    return shorten(inert(text, single_line=True).strip(), width)


def live_hypotheses(state: IncidentState) -> list[str]:
    """What the room believes and is testing: confirmed causes first, then the open
    hypotheses with the findings behind them, then what was ruled out and why (so the
    new IC does not test it again). From the hypothesis notes (`warroom.model.hypotheses`)."""
    found = hypotheses(state)
    ordered = [h for h in found if h.state == CONFIRMED] + [h for h in found if h.is_open]
    lines = []
    for hypothesis in ordered:
        count = len(hypothesis.evidence)
        backing = f", {count} finding{'s' if count != 1 else ''} behind it" if count else ""
        lines.append(f"{line(hypothesis.text)} ({hypothesis.state_word}{backing})")
    for hypothesis in found:
        if hypothesis.state == RULED_OUT:
            why = f": {line(hypothesis.reason, 120)}" if hypothesis.reason else ""
            lines.append(f"ruled out: {line(hypothesis.text)}{why}")
    return lines


def decision_lines(state: IncidentState) -> list[str]:
    """Each decision with who took it and the objections poll, when recorded."""
    out = []
    for decision in decisions(state):
        detail = decision_detail(decision)
        tail = f" ({detail})" if detail else ""
        out.append(f"{_clock(decision.at)} {line(decision.text)}{tail}")
    return out


def tried(state: IncidentState) -> list[TimelineEntry]:
    """What was done: action notes (the checklist's ticks are in the timeline)."""
    return state.notes(NoteKind.ACTION)


def unheld_roles(state: IncidentState) -> list[str]:
    """The usual roles (IC, Ops, Dev, Comms) nobody holds."""
    return [role for role in DEFAULT_ROLES if not state.roles.get(role)]


def ic_stint(state: IncidentState, now: datetime) -> timedelta | None:
    """How long the current IC has held command (None: nobody holds it)."""
    since = state.role_since.get("IC")
    if not state.roles.get("IC") or since is None:
        return None
    return max(now - since, timedelta(0))


def stint_warning(state: IncidentState, now: datetime, limit: timedelta) -> str:
    """'IC on for 3h 10m: consider a handoff' once the stint passes `limit`, else ''."""
    stint = ic_stint(state, now)
    if stint is None or stint < limit or not state.is_open:
        return ""
    return f"IC on for {format_duration(stint)}: consider a handoff"


def _clock(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


def _latest(items: list[str]) -> list[str]:
    hidden = max(len(items) - BRIEF_ITEMS, 0)
    head = [f"- ({hidden} earlier not shown: see the timeline)"] if hidden else []
    return head + [f"- {item}" for item in items[hidden:]]


def handoff_brief(
    state: IncidentState,
    ladder: SeverityLadder,
    now: datetime,
    stint_limit: timedelta = DEFAULT_STINT,
) -> str:
    """The brief as plain text, ready to paste or read aloud."""
    level = ladder.find(state.severity) if state.severity else None
    severity = level.label if level else state.severity
    out = [f"HANDOFF BRIEF {state.id} at {_clock(now)}", f"{severity}: {line(state.title)}"]
    if state.drill:
        out.insert(0, "*** DRILL: this is an exercise, not a real incident ***")
    out.append(f"Status: {state.status.value}")
    impact = state.record.fact("impact")
    out.append(f"Impact: {line(impact) if impact else '(not written: set it with R)'}")
    due = next_update_due(state, ladder)
    if due is not None:
        left = due.remaining(now)
        when = (
            f"overdue by {format_duration(-left)}"
            if due.overdue(now)
            else f"in {format_duration(left)}"
        )
        out.append(f"Next update due: {_clock(due.due_at)} ({when})")
    out += ["", "Command:"]
    order = list(DEFAULT_ROLES) + sorted(r for r in state.roles if r not in DEFAULT_ROLES)
    for role in order:
        holder = state.roles.get(role)
        out.append(f"- {role}: {line(holder, 60) if holder else 'NOBODY (unheld)'}")
    stint = ic_stint(state, now)
    if stint is not None:
        warning = stint_warning(state, now, stint_limit)
        out.append(f"- IC stint: {format_duration(stint)}" + (f" ({warning})" if warning else ""))
    asks = open_asks(state)
    out += ["", f"Open asks ({len(asks)}):"]
    out += [f"- [{a.id}] {ask_line(a, now)}" for a in asks] or ["- none"]
    theories = live_hypotheses(state)
    out += ["", "Live hypotheses:"]
    out += [f"- {theory}" for theory in theories] or ["- none recorded"]
    out += ["", "Decisions:"]
    out += _latest(decision_lines(state)) or ["- none recorded"]
    out += ["", "What was tried:"]
    out += _latest([f"{_clock(e.at)} {line(e.text)}" for e in tried(state)]) or [
        "- nothing recorded"
    ]
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class IcStintRule:
    """The IC's stint passing `limit`: fired once per stint (a new IC starts a new one)."""

    limit: timedelta = DEFAULT_STINT
    name: str = STINT_RULE

    def deadlines(self, state: IncidentState, now: datetime) -> Iterator[Deadline]:
        since = state.role_since.get("IC")
        holder = state.roles.get("IC")
        if not state.is_open or since is None or not holder:
            return
        yield Deadline(
            key=f"{STINT_RULE}:{format_utc(since)}",
            rule=self.name,
            at=since + self.limit,
            message=(
                f"IC {line(holder, 60)} on for {format_duration(self.limit)}: consider a handoff"
            ),
            payload={"ic": holder},
        )
