"""The drill report: how the IC did, from the incident's events and the drill's journal.

Every figure counts from the moment the outage began (the first fault the drill applied):

- time to declare: until the IC made the incident theirs. The drill opens the incident
  record itself at the start, so that the timeline records from the first second; the
  declaration counts when a person sets the severity, assigns the IC role, or ticks a
  checklist step about declaring;
- time to first status update: until the first `comms_copied` event;
- time to mitigation: until the tick of a step the script names as the fix (the fix that
  worked), and then until the probes saw every service up again;
- steps skipped: steps of the drill's scenario left unticked before the last one ticked
  (those after it count as not reached);
- update cadence: each gap between the incident's opening, each status update and the
  end of the drill, judged by the clock the console counts down (`update_gaps`: the
  cadence of the severity in force, severity changes included).

Each fault and recovery the drill applied is matched to the probe change that shows its
own signature (`signature.FleetModel`: the status code, the vendor component, "too many
clients"), and said to be seen (after how long) or not seen; an action that changes
nothing the probes can see says so. Times are rounded to the second. The grade sums up
what the IC did: declared, updated stakeholders, fixed it with a named step, kept the
cadence, saw it recover.

Pure: the caller loads the events and the journal. `to_markdown` writes the report with
the post-mortem after it, so it can go to the wiki like any post-mortem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from warroom.drill.drill_config import drill_cadence
from warroom.drill.journal import BASELINE, FAULT, RECOVERY, START, Journal, JournalEntry
from warroom.drill.script import DrillScript
from warroom.drill.signature import FleetModel, View
from warroom.model import escalation_report, postmortem
from warroom.model.escalation import EscalationRule
from warroom.model.events import Event, EventKind, parse_utc
from warroom.model.figures import UpdateGap, format_rounded, update_gaps
from warroom.model.incident import IncidentState
from warroom.model.postmortem import cell, line
from warroom.model.scenario import Scenario, Step
from warroom.model.severity import SeverityLadder

DRILL_AUTHOR = "warroom drill"
DECLARE_WORDS = ("declare", "declaring", "declaration")


@dataclass(frozen=True)
class Detection:
    """A fault or recovery the drill applied, and the probe change that showed it."""

    fault: JournalEntry
    seen: Event | None
    expected: View | None = None
    """What the probes should show (None: an old journal without the action's changes)."""
    visible: bool = True
    """False when the action changes nothing the probes can tell apart."""

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
    gaps: list[UpdateGap] = field(default_factory=list)
    """Every stretch between updates, and whether it broke the cadence."""
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
        return sum(1 for gap in self.gaps if gap.missed)

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
    fixes = [entry for entry in journal.of_kind(RECOVERY) if entry.detail.get("tick_at")]
    figures.mitigation = fixes[0] if fixes else None
    figures.recovered = _recovered(events, figures.mitigation_tick_at)
    figures.cadence = drill_cadence(script.update_cadence, speed)  # as the console counts
    figures.gaps = update_gaps(state, ladder, ended)
    if scenario is not None:
        _steps(figures, state, scenario, ladder)
    figures.detections = detections(journal.of_kind(FAULT, RECOVERY), events)
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


def _shows(view: View | None, state: str, reason: str) -> bool:
    if view is None:  # a journal from before changes were kept: any trouble
        return state != "up"
    return view.shown_by(state, reason)


def detections(applied: list[JournalEntry], events: list[Event]) -> list[Detection]:
    """Each applied action matched to the probe change showing its own signature.

    A probe change belongs to the latest action on its service, at or before it, whose
    signature it shows: the "degraded" recorded just after a 503 was applied belongs to
    the slow-down before it, and a 503 seen after a fix and a second 503 belongs to the
    second. An action takes its first such change; one without any was not seen.
    """
    model = FleetModel()
    views: list[tuple[View | None, bool]] = []
    for entry in applied:
        changes = entry.detail.get("changes")
        if not isinstance(changes, dict):  # a journal from before changes were kept
            views.append((View("up") if entry.kind == RECOVERY else None, True))
            continue
        before = model.view(entry.service)
        model.apply(entry.service, changes)
        after = model.view(entry.service)
        views.append((after, after != before))
    seen: dict[int, Event] = {}
    for event in events:
        if event.kind is not EventKind.PROBE_STATE_CHANGED:
            continue
        service = str(event.payload.get("service", ""))
        state = str(event.payload.get("state", ""))
        reason = str(event.payload.get("reason", ""))
        owner = None
        for index, entry in enumerate(applied):
            view, visible = views[index]
            if entry.at > event.at:
                break
            if entry.service == service and visible and _shows(view, state, reason):
                owner = index
        if owner is not None and owner not in seen:
            seen[owner] = event
    return [
        Detection(entry, seen.get(index), views[index][0], views[index][1])
        for index, entry in enumerate(applied)
    ]


# Markdown ------------------------------------------------------------------------------


def _span(span: timedelta | None, missing: str = "not done") -> str:
    if span is None:
        return missing
    if span < timedelta(0):
        return f"{format_rounded(-span)} before the first fault"
    return format_rounded(span)


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
    cadence = format_rounded(figures.cadence)
    if figures.cadence_kept:
        return f"kept (an update at least every {cadence}, as the console counted down)"
    longest = max(gap.end - gap.start for gap in figures.gaps)
    return (
        f"missed {figures.missed_updates} time(s) (expected every {cadence},"
        f" longest gap {format_rounded(longest)})"
    )


def seen_text(detection: Detection) -> str:
    """The report's "seen by the probes" cell for one applied action."""
    if not detection.visible:
        return "no change the probes can show"
    expected = f" (expected {detection.expected.describe()})" if detection.expected else ""
    if detection.seen is None or detection.delay is None:
        return f"not seen{expected}"
    state = str(detection.seen.payload.get("state", ""))
    reason = str(detection.seen.payload.get("reason", ""))
    shown = f"{state}: {reason}" if reason else state
    return f"after {format_rounded(detection.delay)}: {shown}"


@dataclass(frozen=True)
class Grade:
    """The drill's grade: each thing an IC is expected to do, done or not."""

    checks: tuple[tuple[str, bool], ...]

    @property
    def passed(self) -> int:
        return sum(1 for _, ok in self.checks if ok)

    @property
    def verdict(self) -> str:
        total = len(self.checks)
        word = "pass" if self.passed == total else "partial" if self.passed else "fail"
        return f"{self.passed}/{total} {word}"


def grade(figures: DrillFigures) -> Grade:
    """Declared, updated stakeholders, fixed it with a step the script names, kept the
    cadence, and the probes saw every service up again."""
    return Grade(
        (
            ("declared the incident", figures.declared is not None),
            ("sent a status update", figures.first_update is not None),
            ("ticked a step that fixes the outage", figures.mitigation is not None),
            ("kept the update cadence", figures.cadence_kept),
            ("every service recovered", figures.recovered is not None),
        )
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
        ("Grade", grade(figures).verdict),
    ]
    return ["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]


def _journal_rows(figures: DrillFigures, journal: Journal, zone: tzinfo | None) -> list[str]:
    rows = ["| at | service | what | seen by the probes |", "|---|---|---|---|"]
    detections = {id(d.fault): d for d in figures.detections}
    for entry in journal.entries:
        if entry.kind in (START, BASELINE):
            continue
        since = figures.since_outage(entry.at)
        when = "+" + _span(since, "-") if since is not None else _when(entry.at, zone)
        detection = detections.get(id(entry))
        seen = cell(seen_text(detection)) if detection is not None else ""
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
    escalation_rules: Sequence[EscalationRule] | None = None,
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
    if skipped and script.needs_postgres:
        out.append(f"> PostgreSQL was not part of this drill: {line(str(skipped))}.")
    baseline = journal.first(BASELINE)
    if baseline is not None and baseline.detail.get("missing"):
        out.append(f"> {line(baseline.what)}.")
    out += ["", *_figure_rows(figures, zone), "", "## What the drill did", ""]
    out += [*_journal_rows(figures, journal, zone), ""]
    if figures.steps_skipped or figures.steps_not_reached:
        out += ["## Steps left unticked", ""]
        out += [f"- skipped: {line(step.text)}" for step in figures.steps_skipped]
        out += [f"- not reached: {line(step.text)}" for step in figures.steps_not_reached]
        out.append("")
    verdict = grade(figures)
    out += ["## Grade", "", f"**{verdict.verdict}**", ""]
    out += [f"- [{'x' if ok else ' '}] {name}" for name, ok in verdict.checks]
    if escalation_rules is not None:
        out += ["", *_escalation_rows(state, escalation_rules, ladder, figures.ended)]
    out += ["", "## Status updates", ""]
    for gap in figures.gaps:
        out.append(
            f"- {_when(gap.start, zone)} to {_when(gap.end, zone)}:"
            f" {format_rounded(gap.end - gap.start)} ({'MISSED' if gap.missed else 'ok'})"
        )
    out += ["", "---", ""]
    out.append(
        postmortem.to_markdown(
            state, ladder, figures.ended, zone, zone_name, escalation_rules=escalation_rules
        )
    )
    return "\n".join(out).rstrip() + "\n"


def _escalation_rows(
    state: IncidentState,
    rules: Sequence[EscalationRule],
    ladder: SeverityLadder,
    ended: datetime,
) -> list[str]:
    """Did the IC escalate on time? One check per escalation that fell due (drill time:
    the runbook's minutes run at the drill's pace), and the time to acknowledge."""
    result = escalation_report.review(state, rules, ladder, ended)
    out = ["## Escalations on time", ""]
    checks = escalation_report.verdicts(result)
    if not checks:
        out.append("_No escalation fell due during the drill._")
    out += [f"- [{'x' if ok else ' '}] {line(name)}" for name, ok in checks]
    if result.missed:
        names = ", ".join(line(e.rule.contact) for e in result.missed)
        out += ["", f"**Not escalated on time: {names}.**"]
    return out
