"""The main screen's escalations: the header's countdown, the prompt when one falls due,
and the `E` modal's actions (escalated, snoozed, dismissed, the draft copied).

Mixed into `MainScreen`. The rules come from the app's scenario catalogue and the
config's `[[escalation]]` tables (`warroom.services.escalations.rule_book`); deadlines
are fired by the timed-rule runtime as `timer_fired` events, whichever console writes
them: this console reacts to each new escalation event once (the bell, a notification
naming the contact and `E`) when the runtime says a deadline fired.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from warroom.model.escalation import (
    RULE_NAME,
    Escalation,
    EscalationRule,
    board,
    escalations,
    next_escalation,
    stopped_at,
)
from warroom.model.escalation_draft import escalation_draft
from warroom.model.events import Event
from warroom.model.figures import format_duration
from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.model.timeparse import TimeParseError, parse_ahead, parse_at
from warroom.runtime.messages import DeadlineFired
from warroom.scenarios.escalation_rules import RuleBook
from warroom.services import escalations as actions
from warroom.services.session import IncidentSession
from warroom.ui.clipboard import copy_text
from warroom.ui.panes.header import EscalationHint
from warroom.ui.screens.escalations import EscalationsScreen, EscalationView
from warroom.ui.screens.picker import TextPromptScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


ESCALATION_RULE = RULE_NAME
HINT_HORIZON = timedelta(hours=1)
"""The header names the next escalation once it is this close."""
PROMPT_TAIL = ". Press E: the message is drafted."
PROMPT_SECONDS = 15
"""How long the notice of an escalation falling due stays (the header's mark stays)."""


class EscalationActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession
    _escalation_book: RuleBook | None = None

    if TYPE_CHECKING:  # provided by MainScreen and Screen
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

    # Rules ------------------------------------------------------------------------------

    def escalation_rules(self) -> list[EscalationRule]:
        if self._escalation_book is None:
            self._escalation_book = actions.rule_book(self.wr.config, self.wr.catalogue)
        return self._escalation_book.rules_for(self.state, self.session.ladder)

    def escalation_hint(self, now: datetime) -> EscalationHint | None:
        """The header's words: the escalation due now (urgent), else the next one."""
        state, ladder = self.state, self.session.ladder
        if stopped_at(state) is not None:
            return None
        rules = self.escalation_rules()
        due = board(state, rules, ladder, now).due
        if due:
            more = f" +{len(due) - 1}" if len(due) > 1 else ""
            contact = inert(due[0].rule.contact, single_line=True)
            return EscalationHint(f"⚠ ESCALATE: {contact}{more} (E)", True, f"⚠ ESCALATE{more} (E)")
        found = next_escalation(state, rules, ladder, now)
        if found is None:
            return None
        escalation, at = found
        if at - now > HINT_HORIZON:
            return None  # hours away: the header keeps its room for what is near
        contact = inert(escalation.rule.contact, single_line=True)
        if escalation.rule.trigger.until_ic:
            return EscalationHint(f"take IC in {format_duration(at - now)}", False)
        return EscalationHint(f"escalate to {contact} in {format_duration(at - now)}", False)

    # The prompt when a deadline fires ----------------------------------------------------

    def escalation_fired(self, fired: DeadlineFired) -> None:
        """An escalation fell due (fired here or by another console; the runtime says so
        once per key): the bell, and a short notice naming the contact and the key to act.
        The header keeps the mark until the IC acts, so the notice need not stay: at 80x24
        a minute-long one covered the lower right of the screen, the E modal included."""
        if fired.rule != RULE_NAME:
            return
        self.app.bell()
        self.notify(
            f"{inert(fired.message, single_line=True)}{PROMPT_TAIL}",
            severity="warning",
            timeout=PROMPT_SECONDS,
        )

    # The modal --------------------------------------------------------------------------

    def action_escalations(self) -> None:
        self._withdraw_prompts()
        self.app.push_screen(EscalationsScreen(self))

    def _withdraw_prompts(self) -> None:
        """The IC pressed E: the escalation notices have done their job; take them off
        the screen rather than over the modal. (Textual has no public call to remove one
        notification; `_unnotify` is what a click on a toast calls.)"""
        notifications = getattr(self.app, "_notifications", ())
        withdrawn = [n for n in notifications if n.message.endswith(PROMPT_TAIL)]
        for notification in withdrawn:
            self.app._unnotify(notification, refresh=notification is withdrawn[-1])

    def escalation_view(self) -> EscalationView:
        now = self.wr.clock()
        state = self.state
        return EscalationView(
            incident_id=state.id,
            board=board(state, self.escalation_rules(), self.session.ladder, now),
            now=now,
            stopped=stopped_at(state) is not None,
        )

    def escalation_draft(self, escalation: Escalation) -> str:
        return escalation_draft(
            escalation, self.state, self.session.ladder, self.wr.clock(), self.wr.zone
        )

    def _current(self, escalation: Escalation) -> Escalation | None:
        """The escalation as the state has it now (another console may have acted)."""
        found = escalations(self.state, self.escalation_rules(), self.session.ladder)
        return next((e for e in found if e.key == escalation.key), None)

    def _act(self, work: Awaitable[Event | None], done: str) -> None:
        async def run() -> None:
            event = await self._do(work)
            if event is not None:
                self.notify(done, timeout=4)
                if isinstance(self.app.screen, EscalationsScreen):
                    self.app.screen.redraw()

        self.run_worker(run())

    def mark_escalated(self, escalation: Escalation) -> None:
        contact = escalation.rule.contact

        def got_who(who: str | None) -> None:
            if who is None:
                return

            def got_how(how: str | None) -> None:
                if how is None:
                    return
                self._mark(escalation, who, how)

            self.app.push_screen(
                TextPromptScreen(
                    f"Escalated to {who or contact}: how? Add when if not now (phone -3m)",
                    "phone",
                    placeholder="phone, page, slack, email; then -3m or 14:17 if earlier",
                ),
                got_how,
            )

        self.app.push_screen(
            TextPromptScreen(f"Escalated to whom? ({contact})", contact, placeholder=contact),
            got_who,
        )

    def _mark(self, escalation: Escalation, who: str, how_text: str) -> None:
        words = how_text.split()
        when = None
        if words:
            try:
                when = parse_at(words[-1], self.wr.clock(), self.wr.zone)
                words = words[:-1]
            except TimeParseError:
                when = None
        current = self._current(escalation)
        if current is None:
            self.notify("That escalation no longer applies to this incident", severity="warning")
            return
        service = self.session.service
        self._act(
            actions.escalate(service, self.state, current, who, " ".join(words), when),
            f"Escalated to {inert(who or current.rule.contact, single_line=True)}: on the timeline",
        )

    def snooze_escalation(self, escalation: Escalation) -> None:
        contact = escalation.rule.contact

        def got(text: str | None) -> None:
            if text is None:
                return
            first, _, reason = text.strip().partition(" ")
            try:
                until = parse_ahead(first, self.wr.clock(), self.wr.zone)
            except TimeParseError as error:
                self.notify(f"{error}: write how long first, e.g. 10m", severity="error")
                return
            current = self._current(escalation)
            if current is None:
                return
            self._act(
                actions.snooze(self.session.service, self.state, current, until, reason),
                f"Snoozed until {until:%H:%M} UTC: on the timeline",
            )

        self.app.push_screen(
            TextPromptScreen(
                f"Snooze the escalation to {contact}: how long, then why",
                placeholder="10m waiting for the failover to finish",
            ),
            got,
        )

    def dismiss_escalation(self, escalation: Escalation) -> None:
        contact = escalation.rule.contact

        def got(reason: str | None) -> None:
            if reason is None:
                return
            current = self._current(escalation)
            if current is None:
                return
            self._act(
                actions.dismiss(self.session.service, self.state, current, reason),
                "Dismissed: on the timeline",
            )

        self.app.push_screen(
            TextPromptScreen(
                f"Not escalating to {contact}: why?", placeholder="the DBA is already on the bridge"
            ),
            got,
        )

    def copy_escalation_draft(self, escalation: Escalation) -> None:
        text = self.escalation_draft(escalation)
        outcome = copy_text(self.app, text, self.wr.data_dir, "escalation")
        self.notify(outcome.message, timeout=4)
