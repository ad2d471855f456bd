"""The main screen: header, the four panes, the note input and the footer.

The screen owns the live `IncidentSession` and routes every action through the
`IncidentService`: an action's event is appended (durably) first, then absorbed into the
session, then shown. Background work (following the store, running probes) runs in
workers that never close the app on error.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Tab, Tabs

from warroom.model.events import Event, EventKind
from warroom.model.incident import IncidentState
from warroom.model.note_input import parse_note_line
from warroom.model.postmortem import to_markdown
from warroom.model.text import inert
from warroom.model.timeparse import TimeParseError, describe_backdate
from warroom.private_files import private_folder, write_private_text
from warroom.services.incidents import IncidentError
from warroom.services.session import IncidentSession
from warroom.store.base import StoreError
from warroom.ui.clipboard import copy_text
from warroom.ui.feed import StateChange
from warroom.ui.panes.checklist import ChecklistView, scenarios_for
from warroom.ui.panes.comms import CommsComposer
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.panes.note_input import NoteInput
from warroom.ui.panes.status import StatusTable
from warroom.ui.panes.timeline import TimelineView
from warroom.ui.safe_text import joined, plain
from warroom.ui.screens.details import DetailScreen, format_detail
from warroom.ui.screens.help import HelpScreen
from warroom.ui.screens.main_comms import CommsActions
from warroom.ui.screens.main_incidents import OPEN_COUNT_SECONDS, IncidentActions
from warroom.ui.screens.main_layout import PANE_TITLES, PANES, PaneLayout
from warroom.ui.screens.main_pickers import PickerActions
from warroom.ui.screens.picker import TextPromptScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp

FOLLOW_RETRY_SECONDS = 2.0
PROBE_REFILL_SECONDS = 5.0
PROBE_SHOW_SECONDS = 1.0
# Events that change what the checklist shows (the rest only add timeline lines).
CHECKLIST_KINDS = frozenset(
    {
        EventKind.DECLARED,
        EventKind.SEVERITY_CHANGED,
        EventKind.SCENARIO_CHANGED,
        EventKind.STEP_CHECKED,
        EventKind.STEP_UNCHECKED,
    }
)
# Events that change entries already shown (the timeline lays them out again).
ENTRY_CHANGE_KINDS = frozenset(
    {
        EventKind.ENTRY_EDITED,
        EventKind.ENTRY_STRUCK,
        EventKind.ENTRY_PINNED,
        EventKind.ENTRY_UNPINNED,
    }
)


class Pane(Vertical):
    """One of the four panes; `z` zooms it to fill the screen (small terminals)."""

    ALLOW_MAXIMIZE = True


class MainScreen(PaneLayout, IncidentActions, CommsActions, PickerActions, Screen[None]):
    ALLOW_IN_MAXIMIZED_VIEW = "#header, Footer"
    AUTO_FOCUS = "#timeline"
    BINDINGS = [
        Binding("tab", "next_pane", "Next pane", show=False, id="main.next_pane"),
        Binding("shift+tab", "previous_pane", "Previous pane", show=False, id="main.prev_pane"),
        Binding("1", "focus_pane(0)", "Services", show=False, id="main.pane1"),
        Binding("2", "focus_pane(1)", "Checklist", show=False, id="main.pane2"),
        Binding("3", "focus_pane(2)", "Timeline", show=False, id="main.pane3"),
        Binding("4", "focus_pane(3)", "Comms", show=False, id="main.pane4"),
        Binding("question_mark", "help", "Help: every key", id="main.help"),
        Binding("n", "note", "Note", id="main.note"),
        Binding("s", "severity", "Severity", id="main.severity"),
        Binding("u", "status", "Status", id="main.status"),
        Binding("o", "role", "Roles", id="main.role"),
        Binding("c", "scenario", "Scenario", id="main.scenario"),
        Binding("i", "incidents", "Incidents", id="main.incidents"),
        Binding("r", "recheck", "Re-check", id="main.recheck"),
        Binding("R", "record", "Record", id="main.record"),
        Binding("e", "export", "Export", id="main.export"),
        Binding("z", "zoom", "Zoom pane", id="main.zoom"),
        Binding("escape", "leave_note", "Back to the timeline", show=True),
    ]

    def __init__(self, session: IncidentSession) -> None:
        super().__init__()
        self.session = session
        self._comms_dirty = False
        self._comms_stale = False  # only probe states moved since the last refill
        self._comms_filled_at = 0.0
        self._comms_ready = False  # drafts are first filled after the first frame
        self._probe_problem: str | None = None
        self._probe_states: dict[str, tuple[str, str]] = {}
        self._unshown: list[Event] = []  # probe changes recorded, not yet on screen
        self._show_timer: Timer | None = None

    @property  # type: ignore[override]
    def ESCAPE_TO_MINIMIZE(self) -> bool | None:
        """In a zoomed pane, escape first leaves the draft editor or the note input (their
        own escape binding), and only then un-zooms."""
        focused = self.focused
        if focused is not None and focused.id in ("comms-draft", "note-input"):
            return False
        return None

    @property
    def wr(self) -> WarroomApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield IncidentHeader(
            self.wr.clock, self.session.service.store.connection_state, id="header"
        )
        yield Tabs(
            *(Tab(title, id=f"tab-{pane}") for pane, title in zip(PANES, PANE_TITLES, strict=True)),
            id="pane-tabs",
            active="tab-pane-timeline",
        )
        with Container(id="panes"):
            with Pane(id="pane-status", classes="pane"):
                yield StatusTable(id="status-table")
            with Pane(id="pane-checklist", classes="pane"):
                yield ChecklistView(id="checklist")
            with Pane(id="pane-timeline", classes="pane"):
                yield TimelineView(zone=self.wr.zone, zone_name=self.wr.zone_name, id="timeline")
                yield NoteInput(id="note-input")
            with Pane(id="pane-comms", classes="pane"):
                yield CommsComposer(self.wr.templates, id="comms")
        yield Footer()

    def on_mount(self) -> None:
        for pane_id, title in zip(PANES, PANE_TITLES, strict=True):
            self.query_one(f"#{pane_id}").border_title = title
        self.query_one("#pane-tabs", Tabs).can_focus = False
        self.refresh_incident()
        self.refresh_services()
        self.query_one("#timeline").focus()
        self._layout_for(self.size.width, self.size.height)
        self.follow_store()
        self.call_after_refresh(self.run_probes)  # the worker starts once this is drawn
        self.call_after_refresh(self._first_refill)  # after the timeline is on screen
        self.set_interval(1.0, self._refill_if_dirty)
        self.set_interval(30, self.refill_comms)
        self.count_open_incidents()
        self.set_interval(OPEN_COUNT_SECONDS, self.count_open_incidents)
        self.set_interval(1.0, self.check_overdue)
        for problem in self.session.problems:
            self.notify(inert(str(problem)), severity="warning", timeout=10)

    # Refreshing ----------------------------------------------------------------------

    @property
    def state(self) -> IncidentState:
        return self.session.state

    def refresh_incident(self, fresh: list[Event] | None = None) -> None:
        """Show the session's state; `fresh` (the new events) limits what is redrawn."""
        state, ladder = self.session.state, self.session.ladder
        self.query_one(IncidentHeader).show(state, ladder)
        timeline = self.query_one(TimelineView)
        appended = fresh is not None and not any(e.kind in ENTRY_CHANGE_KINDS for e in fresh)
        timeline.set_entries(state.entries, appended=appended)
        self._title_timeline()
        if fresh is not None and all(e.kind is EventKind.PROBE_STATE_CHANGED for e in fresh):
            self._comms_stale = True  # see _refill_if_dirty
        else:
            self._comms_dirty = True
        checklist = self.query_one(ChecklistView)
        if (
            fresh is not None
            and checklist.state is state
            and not any(e.kind in CHECKLIST_KINDS for e in fresh)
        ):
            return  # notes and probe changes leave the checklist as it is
        scenarios = scenarios_for(state, self.wr.catalogue)
        checklist.show(state, ladder, scenarios)
        title: Text | str = "2 Checklist"
        if scenarios:
            done = sum(1 for key in state.checked_steps if key.split("/")[0] == scenarios[-1].id)
            title = joined("2 Checklist: ", plain(scenarios[-1].title), f" ({done} done)")
        self.query_one("#pane-checklist").border_title = title

    def _title_timeline(self) -> None:
        timeline = self.query_one(TimelineView)
        pane = self.query_one("#pane-timeline")
        count = len(timeline.entries)
        pane.border_title = f"3 Timeline ({count}) · times in {timeline.zone_label} (t)"
        unseen = timeline.unseen
        pane.border_subtitle = f"▼ {unseen} new (end: newest)" if unseen else ""

    def on_timeline_view_changed(self, message: TimelineView.Changed) -> None:
        self._title_timeline()

    def refresh_services(self) -> None:
        rows = self.wr.feed.rows()
        self.query_one(StatusTable).show(rows)
        bad = sum(1 for row in rows if row.state not in ("up", "pending"))
        self.set_services_configured(bool(rows))
        if not rows:
            title = "1 Services: none configured (add [[service]] to warroom.toml)"
        else:
            title = f"1 Services ({bad} not up)" if bad else f"1 Services ({len(rows)} up)"
        pane = self.query_one("#pane-status")
        problem = self.wr.feed.problem()
        if problem != self._probe_problem:
            self._probe_problem = problem
            pane.set_class(problem is not None, "-probes-stopped")
            if problem is not None:
                self.notify(f"Service probes stopped: {problem}", severity="error", timeout=10)
        if problem is not None:
            title = joined(title, " · ", plain(f"PROBES STOPPED: {problem}"))
        pane.border_title = title
        # Drafts quote probe states (and the reasons of the unhealthy): refill them only
        # when those moved. A refill reads the whole timeline, and results land several
        # times a second (an "up" reason carries its latency: it moves every time).
        live = {
            row.name: (row.state, "" if row.state == "up" else row.reason)
            for row in rows
            if row.state != "pending"
        }
        if live != self._probe_states:
            self._probe_states = live
            self._comms_stale = True

    def _first_refill(self) -> None:
        """The drafts, once the panes are on screen (a refill reads the whole timeline:
        hundreds of milliseconds at 10,000 events; until now it ran up to three times
        before the first frame of the incident)."""
        self._comms_ready = True
        self._comms_dirty = self._comms_stale = False
        self._comms_filled_at = time.monotonic()
        self.refill_comms()

    def _refill_if_dirty(self) -> None:
        """Drafts are refilled at most once a second: rendering reads the whole timeline
        (up to hundreds of milliseconds with 10,000 events and 2,000 services, during
        which no key is served). What people do shows within that second; what probes
        report (hundreds of changes in a first cycle) within PROBE_REFILL_SECONDS."""
        now = time.monotonic()
        probes_due = self._comms_stale and now - self._comms_filled_at >= PROBE_REFILL_SECONDS
        if not self._comms_ready:
            return
        if self._comms_dirty or probes_due:
            self._comms_dirty = self._comms_stale = False
            self._comms_filled_at = now
            self.refill_comms()

    def _state_with_probes(self) -> IncidentState:
        """The incident state, with live probe rows standing in for missing probe events."""
        state = self.session.state
        live = {
            row.name: {"state": row.state, "reason": row.reason, "probe_kind": row.kind}
            for row in self.wr.feed.rows()
            if row.state != "pending"
        }
        if not live:
            return state
        return replace(state, probe_states={**state.probe_states, **live})

    def absorb(self, events: list[Event]) -> None:
        fresh = self.session.absorb(events)
        if fresh:
            self.refresh_incident(fresh)

    # Background work -----------------------------------------------------------------

    async def use_session(self, session: IncidentSession) -> None:
        """Show another incident (the incidents picker): its timeline, checklist, comms
        and header; the probes keep running."""
        self.workers.cancel_group(self, "follow")
        old, self.session = self.session, session
        self.wr.session = session
        self.wr.incident_id = session.incident_id
        await old.close()
        self.query_one(TimelineView).reset()
        self.refresh_incident()
        self.refill_comms(force=True)
        self.follow_store()
        self.count_open_incidents()

    def _followed(self, fresh: list[Event]) -> None:
        self.refresh_incident(fresh)

    @work(exit_on_error=False, group="follow")
    async def follow_store(self) -> None:
        """Show events written elsewhere; a failing store is reported and retried."""
        while True:
            try:
                await self.session.follow(self._followed)
                return
            except Exception as error:  # the console must outlive any store trouble
                self.notify(
                    f"Live updates interrupted ({inert(str(error))}); retrying",
                    severity="error",
                )
                await self.session.close()
                await asyncio.sleep(FOLLOW_RETRY_SECONDS)

    @work(exit_on_error=False, group="probes")
    async def run_probes(self) -> None:
        try:
            await self.wr.feed.run(self.refresh_services, self.record_change)
        except Exception as error:  # a probe bug must not close the console
            self.notify(f"Service probes stopped: {inert(str(error))}", severity="error")

    async def record_change(self, change: StateChange) -> None:
        known = self.session.state.probe_states.get(change.service, {}).get("state")
        if known == change.state:
            return  # the timeline says so already (a restart, or another console wrote it)
        if change.previous is None and known is None and change.state == "up":
            return  # a first "up" tells nobody anything (as in `warroom watch`)
        try:
            event = await self.session.service.record_probe_change(
                self.session.incident_id,
                change.service,
                change.probe_kind,
                change.state,
                change.previous,
                change.reason,
                change.latency_ms,
            )
        except (StoreError, OSError) as error:
            self.notify(f"Could not record a probe change: {error}", severity="error")
            return
        # In the state at once (the next change is compared with it); on screen with the
        # others of its burst: each timeline append re-lays out the whole screen (~90 ms
        # here), and a first cycle can record hundreds.
        self._unshown += self.session.absorb([event])
        if self._show_timer is None:
            self._show_timer = self.set_timer(PROBE_SHOW_SECONDS, self._show_probe_changes)

    def _show_probe_changes(self) -> None:
        fresh, self._unshown, self._show_timer = self._unshown, [], None
        if fresh:
            self.refresh_incident(fresh)

    async def _do(self, work_coro: Any) -> Event | None:
        """Await a service call; show its error instead of raising."""
        try:
            event = await work_coro
        except (IncidentError, StoreError, TimeParseError, OSError) as error:
            self.notify(inert(str(error)), severity="error", timeout=8)
            return None
        if event is not None:
            self.absorb([event])
        return event

    # Pane focus ----------------------------------------------------------------------

    # Notes and the timeline ----------------------------------------------------------

    def action_note(self) -> None:
        self.query_one(NoteInput).focus()

    async def on_note_input_submitted(self, event: NoteInput.Submitted) -> None:
        event.stop()
        line = event.value.strip()
        if not line:
            self.query_one(TimelineView).focus()
            return
        try:
            # One zone rule: a clock time typed is read in the zone the timeline shows.
            zone = self.query_one(TimelineView).display_zone
            parsed = parse_note_line(line, self.wr.clock(), zone)
        except TimeParseError as error:
            self.notify(str(error), severity="error")
            return
        declared_at = self.state.declared_at
        saved = await self._do(
            self.session.service.note(
                self.session.incident_id, parsed.text, parsed.kind, parsed.at, declared_at
            )
        )
        if saved is not None:
            event.note_input.value = ""
            before = describe_backdate(saved.at, declared_at) if parsed.at else None
            if before:
                self.notify(f"Saved {parsed.kind.value}, {before}", timeout=8)
            else:
                self.notify(f"Saved {parsed.kind.value}", timeout=2)

    def action_leave_note(self) -> None:
        self.query_one(TimelineView).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_note":  # shown in the footer only while typing a note
            return self.focused is self.query_one(NoteInput)
        return True

    def on_timeline_view_entry_action(self, message: TimelineView.EntryAction) -> None:
        entry = message.entry
        state = self.session.state
        service = self.session.service
        if message.action == "pin":
            self.run_worker(self._do(service.pin_entry(state, entry.id, not entry.pinned)))
        elif message.action == "edit":

            def edited(text: str | None) -> None:
                if text is not None and text.strip() and text != entry.text:
                    self.run_worker(self._do(service.edit_entry(self.state, entry.id, text)))

            self.app.push_screen(TextPromptScreen("Edit entry", entry.text, multiline=True), edited)
        elif message.action == "strike":

            def struck(reason: str | None) -> None:
                if reason is not None:
                    self.run_worker(self._do(service.strike_entry(self.state, entry.id, reason)))

            self.app.push_screen(
                TextPromptScreen(
                    "Strike this entry? (kept, shown struck) Reason, then Enter; Esc cancels",
                    placeholder="e.g. wrong service",
                ),
                struck,
            )

    # Checklist -----------------------------------------------------------------------

    def on_checklist_view_toggle(self, message: ChecklistView.Toggle) -> None:
        ref = message.ref
        self.run_worker(
            self._do(
                self.session.service.set_step(
                    self.session.incident_id,
                    ref.scenario.id,
                    ref.step.id,
                    ref.step.text,
                    message.done,
                )
            )
        )

    def on_checklist_view_details(self, message: ChecklistView.Details) -> None:
        step = message.ref.step
        parts = [step.text]
        if step.commands:
            parts += ["", "Commands (y copies):", *step.commands]
        if step.notes:
            parts += ["", step.notes]
        scenario = message.ref.scenario
        if scenario.causes:
            parts += ["", "Causes and fixes:"]
            parts += [f"- {c.cause} -> {c.fix or '?'}" for c in scenario.causes]
        copy = "\n".join(step.commands) or None
        self.app.push_screen(DetailScreen(scenario.title, "\n".join(parts), copy))

    def on_checklist_view_copy_command(self, message: ChecklistView.CopyCommand) -> None:
        ref = message.ref
        if not ref.step.commands:
            self.notify("This step has no command to copy", severity="warning")
            return
        outcome = copy_text(self.app, "\n".join(ref.step.commands), self.wr.data_dir, "command")
        self.notify(outcome.message, timeout=4)

    # Services, export, help ----------------------------------------------------------

    def action_recheck(self) -> None:
        self.wr.feed.recheck()
        self.notify("Re-checking every service", timeout=2)

    def on_status_table_details(self, message: StatusTable.Details) -> None:
        row = self.query_one(StatusTable).rows_by_name.get(message.name)
        if row is None:
            return
        lines = [
            f"kind: {row.kind}",
            f"state: {row.state}",
            f"reason: {row.reason}",
            f"latency: {row.latency_ms if row.latency_ms is not None else '-'} ms",
        ]
        if row.recent:
            lines += ["", "recent results:", *row.recent]
        if row.detail:
            lines += ["", "detail:", format_detail(row.detail)]
        self.app.push_screen(DetailScreen(f"Service {row.name}", "\n".join(lines)))

    def action_export(self) -> None:
        now: datetime = self.wr.clock()
        text = to_markdown(self.state, self.session.ladder, now, self.wr.zone, self.wr.zone_name)
        folder: Path = self.wr.data_dir / "exports"
        try:
            private_folder(folder)
            path = folder / f"{self.session.incident_id}-{now.strftime('%Y%m%dT%H%M%SZ')}.md"
            write_private_text(path, text)
        except OSError as error:
            self.notify(f"Export failed: {error}", severity="error")
            return
        self.notify(f"Post-mortem written to {path}", timeout=10)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.wr.key_help()))
