"""The drill report: how the IC did, from the incident's events and the drill's journal.

Every figure counts from the moment the outage began (the first fault the drill applied):

- time to declare: until the IC made the incident theirs. The drill opens the incident
  record itself at the start, so that the timeline records from the first second; the
  declaration counts when a person sets the severity, assigns the IC role, or ticks a
  checklist step about declaring;
- time to first status update: until the first `comms_copied` event;
- time to mitigation: until the tick that set off a recovery (the fix that worked), and
  then until the probes saw every service up again;
- steps skipped: steps of the drill's scenario left unticked before the last one ticked
  (those after it count as not reached);
- update cadence: each gap between the incident's opening, each status update and the
  end of the drill, against the script's cadence (in wall time: divided by the speed).

Pure: the caller loads the events and the journal. `to_markdown` writes the report with
the post-mortem after it, so it can go to the wiki like any post-mortem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import pairwise

from warroom.drill.drill_config import drill_cadence
from warroom.drill.journal import FAULT, RECOVERY, START, Journal, JournalEntry
from warroom.drill.script import DrillScript
from warroom.model import postmortem
from warroom.model.events import Event, EventKind, parse_utc
from warroom.model.figures import format_duration
from warroom.model.incident import IncidentState
from warroom.model.postmortem import cell, line
from warroom.model.scenario import Scenario, Step
from warroom.model.severity import SeverityLadder

DRILL_AUTHOR = "warroom drill"
DECLARE_WORDS = ("declare", "declaring", "declaration")


@dataclass(frozen=True)
class Detection:
    """A fault the drill applied, and the probe change that showed it (if any)."""

    fault: JournalEntry
    seen: Event | None

    @property
    def delay(self) -> timedelta | None:
        return None if self.seen is None else self.seen.at - self.fault.at


@dataclass
class DrillFigures:
    outage_began: datetime | None
    ended: datetime
    declared: Event | None = None
    first_update: Event | None = None
    mitigation: JournalEntry | None = None
    recovered: Event | None = None
    cadence: timedelta = timedelta(0)
    gaps: list[tuple[datetime, datetime, bool]] = field(default_factory=list)
    """(from, to, missed) for every stretch between updates."""
    steps_done: list[Step] = field(default_factory=list)
    steps_skipped: list[Step] = field(default_factory=list)
    steps_not_reached: list[Step] = field(default_factory=list)
    detections: list[Detection] = field(default_factory=list)

    def since_outage(self, moment: datetime | None) -> timedelta | None:
        if moment is None or self.outage_began is None:
            return None
        return moment - self.outage_began

    @property
    def time_to_declare(self) -> timedelta | None:
        return self.since_outage(self.declared.at if self.declared else None)

    @property
    def time_to_first_update(self) -> timedelta | None:
        return self.since_outage(self.first_update.at if self.first_update else None)

    @property
    def time_to_mitigation(self) -> timedelta | None:
        return self.since_outage(self.mitigation_tick_at)

    @property
    def mitigation_tick_at(self) -> datetime | None:
        if self.mitigation is None:
            return None
        return parse_utc(str(self.mitigation.detail.get("tick_at")))

    @property
    def time_to_recovery(self) -> timedelta | None:
        return self.since_outage(self.recovered.at if self.recovered else None)

    @property
    def missed_updates(self) -> int:
        return sum(1 for *_, missed in self.gaps if missed)

    @property
    def cadence_kept(self) -> bool:
        return self.missed_updates == 0


def is_declaration(event: Event) -> bool:
    """A person's act that makes the incident theirs (see the module docstring)."""
    if event.author == DRILL_AUTHOR:
        return False
    payload = event.payload
    if event.kind is EventKind.SEVERITY_CHANGED:
        return True
    if event.kind is EventKind.ROLE_ASSIGNED:
        return payload.get("role") == "IC" and bool(str(payload.get("name", "")).strip())
    if event.kind is EventKind.STEP_CHECKED:
        text = str(payload.get("text", "")).casefold()
        return any(word in text for word in DECLARE_WORDS)
    return False


def compute(
    state: IncidentState,
    journal: Journal,
    script: DrillScript,
    scenario: Scenario | None,
    ladder: SeverityLadder,
    speed: float,
    ended: datetime,
) -> DrillFigures:
    faults = journal.of_kind(FAULT)
    began = faults[0].at if faults else None
    events = state.events
    figures = DrillFigures(outage_began=began, ended=ended)
    figures.declared = next((e for e in events if is_declaration(e)), None)
    figures.first_update = next((e for e in events if e.kind is EventKind.COMMS_COPIED), None)
    recoveries = journal.of_kind(RECOVERY)
    figures.mitigation = recoveries[0] if recoveries else None
    figures.recovered = _recovered(events, figures.mitigation_tick_at)
    figures.cadence = drill_cadence(script.update_cadence, speed)  # as the console counts
    figures.gaps = _gaps(state, figures.cadence, ended)
    if scenario is not None:
        _steps(figures, state, scenario, ladder)
    figures.detections = [_detection(fault, events) for fault in faults]
    return figures


def _recovered(events: list[Event], after: datetime | None) -> Event | None:
    """The probe change after `after` at which every service was up again."""
    if after is None:
        return None
    states: dict[str, str] = {}
    for event in events:
        if event.kind is not EventKind.PROBE_STATE_CHANGED:
            continue
        states[str(event.payload.get("service", ""))] = str(event.payload.get("state", ""))
        if event.at >= after and all(value == "up" for value in states.values()):
            return event
    return None


def _gaps(
    state: IncidentState, cadence: timedelta, ended: datetime
) -> list[tuple[datetime, datetime, bool]]:
    if state.declared_at is None:
        return []
    marks = [state.declared_at, *sorted(e.at for e in state.comms)]
    end = state.resolved_at or ended
    gaps = [(a, b, b - a > cadence) for a, b in pairwise(marks)]
    if end > marks[-1]:
        gaps.append((marks[-1], end, end - marks[-1] > cadence))
    return gaps


def _steps(
    figures: DrillFigures, state: IncidentState, scenario: Scenario, ladder: SeverityLadder
) -> None:
    steps = [
        s for _, phase_steps in scenario.visible_phases(ladder, state.severity) for s in phase_steps
    ]
    done = [state.is_checked(scenario.id, step.id) for step in steps]
    last = max((index for index, ticked in enumerate(done) if ticked), default=-1)
    for index, (step, ticked) in enumerate(zip(steps, done, strict=True)):
        if ticked:
            figures.steps_done.append(step)
        elif index < last:
            figures.steps_skipped.append(step)
        else:
            figures.steps_not_reached.append(step)


def _detection(fault: JournalEntry, events: list[Event]) -> Detection:
    for event in events:
        if (
            event.kind is EventKind.PROBE_STATE_CHANGED
            and event.at >= fault.at
            and event.payload.get("service") == fault.service
            and event.payload.get("state") != "up"
        ):
            return Detection(fault, event)
    return Detection(fault, None)


# Markdown ------------------------------------------------------------------------------


def _span(span: timedelta | None, missing: str = "not done") -> str:
    if span is None:
        return missing
    if span < timedelta(0):
        return f"{format_duration(-span)} before the first fault"
    return format_duration(span)


def _when(moment: datetime, zone: tzinfo | None) -> str:
    shown = moment.astimezone(zone or UTC)
    return shown.strftime("%Y-%m-%d %H:%M:%S") + ("" if zone else " UTC")


def _declared_how(event: Event) -> str:
    payload = event.payload
    if event.kind is EventKind.SEVERITY_CHANGED:
        return f"{event.author} set severity {payload.get('severity', '')}"
    if event.kind is EventKind.ROLE_ASSIGNED:
        return f"IC: {payload.get('name', '')}"
    return f'{event.author} ticked "{payload.get("text", "")}"'


def _cadence_verdict(figures: DrillFigures) -> str:
    cadence = format_duration(figures.cadence)
    if figures.cadence_kept:
        return f"kept (an update at least every {cadence})"
    longest = max(end - start for start, end, _ in figures.gaps)
    return (
        f"missed {figures.missed_updates} time(s) (expected every {cadence}, "
        f"longest gap {format_duration(longest)})"
    )


def _figure_rows(figures: DrillFigures, zone: tzinfo | None) -> list[str]:
    began = figures.outage_began
    declared = figures.declared
    how = f" ({cell(_declared_how(declared))})" if declared else ""
    mitigation = ""
    if figures.mitigation is not None:
        mitigation = f' (ticked "{cell(str(figures.mitigation.detail.get("step_text", "")))}")'
    total = len(figures.steps_done) + len(figures.steps_skipped) + len(figures.steps_not_reached)
    rows = [
        ("Outage began (first fault)", _when(began, zone) if began else "no fault applied"),
        ("Time to declare", _span(figures.time_to_declare) + how),
        ("Time to first status update", _span(figures.time_to_first_update)),
        ("Time to mitigation", _span(figures.time_to_mitigation) + mitigation),
        ("Time to recovery (every probe up)", _span(figures.time_to_recovery, "not seen")),
        (
            "Steps",
            f"{len(figures.steps_done)} of {total} done, {len(figures.steps_skipped)} skipped,"
            f" {len(figures.steps_not_reached)} not reached",
        ),
        ("Update cadence", _cadence_verdict(figures)),
    ]
    return ["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]


def _journal_rows(figures: DrillFigures, journal: Journal, zone: tzinfo | None) -> list[str]:
    rows = ["| at | service | what | seen by the probes |", "|---|---|---|---|"]
    detections = {id(d.fault): d for d in figures.detections}
    for entry in journal.entries:
        if entry.kind == START:
            continue
        since = figures.since_outage(entry.at)
        when = "+" + _span(since, "-") if since is not None else _when(entry.at, zone)
        seen = ""
        detection = detections.get(id(entry))
        if detection is not None:
            seen = "not seen"
            if detection.seen is not None and detection.delay is not None:
                state = cell(str(detection.seen.payload.get("state", "")))
                seen = f"after {format_duration(detection.delay)}: {state}"
        what = cell(f"{entry.kind}: {entry.what}")
        rows.append(f"| {when} | {cell(entry.service)} | {what} | {seen} |")
    return rows


def to_markdown(
    figures: DrillFigures,
    state: IncidentState,
    journal: Journal,
    script: DrillScript,
    ladder: SeverityLadder,
    zone: tzinfo | None = None,
    zone_name: str | None = None,
) -> str:
    start = journal.first(START)
    seed = start.detail.get("seed") if start else "?"
    speed = start.detail.get("speed", 1) if start else 1
    out = [
        f"# Drill report: {state.id}: {line(script.title)}",
        "",
        f"> A drill: no real outage. Script `{script.id}` (checklist `{script.scenario}`),"
        f" seed {seed}, speed {speed:g}x. Replay it with"
        f" `warroom drill {script.id} --seed {seed} --speed {speed:g}`.",
    ]
    skipped = start.detail.get("postgres_skipped") if start else ""
    if skipped:
        out.append(f"> PostgreSQL was not part of this drill: {line(str(skipped))}.")
    out += ["", *_figure_rows(figures, zone), "", "## What the drill did", ""]
    out += [*_journal_rows(figures, journal, zone), ""]
    if figures.steps_skipped or figures.steps_not_reached:
        out += ["## Steps left unticked", ""]
        out += [f"- skipped: {line(step.text)}" for step in figures.steps_skipped]
        out += [f"- not reached: {line(step.text)}" for step in figures.steps_not_reached]
        out.append("")
    out += ["## Status updates", ""]
    for start_at, end_at, missed in figures.gaps:
        out.append(
            f"- {_when(start_at, zone)} to {_when(end_at, zone)}:"
            f" {format_duration(end_at - start_at)} ({'MISSED' if missed else 'ok'})"
        )
    out += ["", "---", ""]
    out.append(postmortem.to_markdown(state, ladder, figures.ended, zone, zone_name))
    return "\n".join(out).rstrip() + "\n"
