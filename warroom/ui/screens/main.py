"""The main screen: header, the four panes, the note input and the footer.

The screen shows one `IncidentRuntime` (`warroom.runtime`) and routes every action
through its `IncidentService`: an action's event is appended (durably) first, then
absorbed by the runtime, which tells the screen (`StateChanged`) to show it. The runtime
follows the store and fires timed rules; background work (the runtime, probes) runs in
workers that never close the app on error.
"""

from __future__ import annotations

import time
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
from warroom.model.text import inert
from warroom.model.timeparse import TimeParseError
from warroom.probes.shown import ShownState
from warroom.runtime import (
    DeadlineFired,
    IncidentRuntime,
    RuntimeMessage,
    RuntimeProblem,
    StateChanged,
)
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
from warroom.ui.screens.details import DetailScreen, service_detail_text, step_detail_text
from warroom.ui.screens.help import HelpScreen
from warroom.ui.screens.main_command import CommandActions
from warroom.ui.screens.main_command_notes import CommandNotesActions
from warroom.ui.screens.main_comms import CommsActions
from warroom.ui.screens.main_delivery import DeliveryActions
from warroom.ui.screens.main_escalations import ESCALATION_RULE, EscalationActions
from warroom.ui.screens.main_incidents import OPEN_COUNT_SECONDS, IncidentActions
from warroom.ui.screens.main_layout import PANE_TITLES, PANES, PaneLayout
from warroom.ui.screens.main_pickers import PickerActions
from warroom.ui.screens.main_timeline import TimelineActions

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp

FOLLOW_RETRY_SECONDS = 2.0
PROBE_REFILL_SECONDS = 5.0
PROBE_REFILL_MAX_SECONDS = 15.0  # while keys are typed, a probe-churn refill waits this long
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


class KeysFooter(Footer):
    """Textual's footer, which lists its screen's keys even if the app is blurred when it
    first gets them.

    Textual's footer does not redraw while the app is blurred (a page of `warroom serve`
    that does not have the focus). Since the loading frame, the main screen can be mounted
    after such a blur: its footer stayed empty until focus came back and a key changed the
    bindings, so a person saw no keys, and a stale empty footer hid which line had focus."""

    def bindings_changed(self, screen: Screen[Any]) -> None:
        first = not self._bindings_ready
        super().bindings_changed(screen)
        if first and not self.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self.recompose)


class MainScreen(
    PaneLayout,
    IncidentActions,
    CommsActions,
    EscalationActions,
    DeliveryActions,
    CommandActions,
    PickerActions,
    TimelineActions,
    CommandNotesActions,
    Screen[None],
):
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
        Binding("h", "hypotheses", "Hypotheses", id="main.hypotheses"),
        Binding("d", "decide", "Decide", id="main.decide"),
        Binding("T", "todos", "Todos", id="main.todos"),
        Binding("e", "export", "Export", id="main.export"),
        Binding("O", "outbox", "Outbox", id="main.outbox"),
        Binding("a", "ask", "Ask", id="main.ask"),
        Binding("A", "asks", "Asks board", id="main.asks"),
        Binding("H", "handoff", "Handoff", id="main.handoff"),
        Binding("E", "escalations", "Escalations", show=False, id="main.escalations"),
        Binding("z", "zoom", "Zoom pane", id="main.zoom"),
        Binding("escape", "leave_note", "Back to the timeline", show=True, id="main.leave_note"),
    ]

    def __init__(self, runtime: IncidentRuntime) -> None:
        super().__init__()
        self.runtime = runtime
        self._comms_dirty = False
        self._comms_stale = False  # only probe states moved since the last refill
        self._comms_filled_at = 0.0
        self._comms_ready = False  # drafts are first filled after the first frame
        self._probe_problem: str | None = None
        self._probe_states: dict[str, tuple[ShownState, str]] = {}
        self._unshown: list[Event] = []  # probe changes recorded, not yet on screen
        self._show_timer: Timer | None = None
        self._unsubscribe = runtime.subscribe(self.on_runtime_message)

    @property
    def session(self) -> IncidentSession:
        return self.runtime.session

    @property
    def ESCAPE_TO_MINIMIZE(self) -> bool | None:
        """In a zoomed pane, escape first leaves the draft editor or the note input (their
        own escape binding), and only then un-zooms."""
        focused = self.focused
        if focused is not None and focused.id in ("comms-draft", "note-input"):
            return False
        return None

    @property
    def wr(self) -> WarroomApp:
        return self.app

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
        yield KeysFooter()

    def on_mount(self) -> None:
        for pane_id, title in zip(PANES, PANE_TITLES, strict=True):
            self.query_one(f"#{pane_id}").border_title = title
        self.query_one("#pane-tabs", Tabs).can_focus = False
        self.query_one(IncidentHeader).escalation_hint = self.escalation_hint
        self.refresh_incident()
        self.refresh_services()
        self.query_one("#timeline").focus()
        self._layout_for(self.size.width, self.size.height)
        self.run_runtime()
        self.call_after_refresh(self.run_probes)  # the worker starts once this is drawn
        self.call_after_refresh(self._first_refill)  # after the timeline is on screen
        self.set_interval(1.0, self._refill_if_dirty)
        self.set_interval(30, self.refill_comms)
        self.count_open_incidents()
        self.set_interval(OPEN_COUNT_SECONDS, self.count_open_incidents)
        self.start_delivery()
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
            done = self.runtime.steps_done(scenarios[-1].id)
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
        bad = sum(1 for row in rows if not row.shown.healthy)
        self.set_services_configured(bool(rows))
        title: Text | str
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
        live: dict[str, tuple[ShownState, str]] = {
            row.name: (row.state, "" if row.state is ShownState.UP else row.reason)
            for row in rows
            if row.state is not ShownState.PENDING
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
        report (hundreds of changes in a first cycle) within PROBE_REFILL_SECONDS, or
        once the keys being typed pause (within PROBE_REFILL_MAX_SECONDS)."""
        now = time.monotonic()
        since = now - self._comms_filled_at
        waited = since >= PROBE_REFILL_MAX_SECONDS or not self.wr.typing()
        probes_due = self._comms_stale and since >= PROBE_REFILL_SECONDS and waited
        if not self._comms_ready:
            return
        if self._comms_dirty or probes_due:
            self._comms_dirty = self._comms_stale = False
            self._comms_filled_at = now
            self.refill_comms()

    def _state_with_probes(self) -> IncidentState:
        """The incident state, with live probe rows standing in for missing probe events."""
        return self.runtime.draft_state(self.wr.feed.rows())

    def absorb(self, events: list[Event]) -> None:
        self.runtime.absorb(events)  # the runtime says StateChanged: shown below

    def on_runtime_message(self, message: RuntimeMessage) -> None:
        """What the runtime says, shown: new events, fired deadlines, its troubles."""
        if isinstance(message, StateChanged):
            events = list(message.events)
            if all(e.kind is EventKind.PROBE_STATE_CHANGED for e in events):
                # Probe changes reach the screen with the others of their burst: each
                # timeline append re-lays out the whole screen (~90 ms here), and a first
                # cycle can record hundreds.
                self._unshown += events
                if self._show_timer is None:
                    self._show_timer = self.set_timer(PROBE_SHOW_SECONDS, self._show_probe_changes)
                return
            if self._show_timer is not None:  # anything else shows now, after those
                self._show_timer.stop()
                events, self._unshown, self._show_timer = self._unshown + events, [], None
            self.refresh_incident(events)
        elif isinstance(message, DeadlineFired):
            if message.rule == ESCALATION_RULE:
                self.escalation_fired(message)  # the bell, the contact and E
            else:
                self.deadline_fired(message)
                self.command_deadline_fired(message)
        elif isinstance(message, RuntimeProblem):
            self.notify(message.text, severity="error")

    # Background work -----------------------------------------------------------------

    async def use_session(self, session: IncidentSession) -> None:
        """Show another incident (the incidents picker): its timeline, checklist, comms
        and header; the probes keep running."""
        self.workers.cancel_group(self, "runtime")
        self._unsubscribe()
        old, self.runtime = self.runtime, self.wr.context.runtime_for(session)
        self._unsubscribe = self.runtime.subscribe(self.on_runtime_message)
        self.wr.runtime = self.runtime
        self.wr.incident_id = session.incident_id
        await old.close()
        self.query_one(TimelineView).reset()
        self.refresh_incident()
        self.refill_comms(force=True)
        self.run_runtime()
        self.count_open_incidents()

    @work(exit_on_error=False, group="runtime")
    async def run_runtime(self) -> None:
        """The runtime follows the store and fires timed rules while the incident shows."""
        try:
            await self.runtime.run()
        except Exception as error:  # a runtime bug must not close the console
            self.notify(f"Incident runtime stopped: {inert(str(error))}", severity="error")

    def on_unmount(self) -> None:
        self._unsubscribe()

    @work(exit_on_error=False, group="probes")
    async def run_probes(self) -> None:
        try:
            self.wr.feed.hold_while(self.wr.typing)  # the keys' frames first
            await self.wr.feed.run(self.refresh_services, self.record_changes)
        except Exception as error:  # a probe bug must not close the console
            self.notify(f"Service probes stopped: {inert(str(error))}", severity="error")

    async def record_change(self, change: StateChange) -> None:
        """A probe change: the runtime writes it (one rule, one writer per incident)."""
        await self.record_changes([change])

    async def record_changes(self, changes: list[StateChange]) -> None:
        """A burst of probe changes: the runtime writes them in one append."""
        await self.runtime.probe_changes(changes)

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_note":  # shown in the footer only while typing a note
            return self.focused is self.query_one(NoteInput)
        return True

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
        ref = message.ref
        copy = "\n".join(ref.step.commands) or None
        self.app.push_screen(DetailScreen(ref.scenario.title, step_detail_text(ref), copy))

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
        if row is not None:
            self.app.push_screen(DetailScreen(f"Service {row.name}", service_detail_text(row)))

    def action_export(self) -> None:
        try:
            path = self.runtime.export(
                self.wr.data_dir / "exports",
                self.wr.zone,
                self.wr.zone_name,
                escalation_rules=self.escalation_rules(),
            )
        except OSError as error:
            self.notify(f"Export failed: {error}", severity="error")
            return
        self.notify(f"Post-mortem written to {path}", timeout=10)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.wr.key_help()))
