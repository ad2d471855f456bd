"""The main screen's command side: asks (`a`, `A`), the handoff (`H`) and timed alarms.

Mixed into `MainScreen` like the comms and pickers: every change is an event written
through `warroom.services.command` first, and shown after. When a `timer_fired` event
arrives (the runtime fires the rules of `warroom.runtime.command_rules` once per shared
incident, and tells each console once per key), an overdue ask rings the bell and says
so; an IC stint over the limit says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterator
from typing import TYPE_CHECKING, Any

from warroom.command_settings import CommandSettings, command_settings
from warroom.config import ConfigError
from warroom.model.asks import ASK_RULE, AskError, AskRequest, parse_time_box
from warroom.model.events import Event
from warroom.model.handoff import STINT_RULE, handoff_brief, stint_warning, unheld_roles
from warroom.model.incident import IncidentState
from warroom.model.text import inert
from warroom.runtime import DeadlineFired
from warroom.services import command
from warroom.services.session import IncidentSession
from warroom.ui.clipboard import copy_text
from warroom.ui.read_only import READ_ONLY_NOTICE
from warroom.ui.screens.asks import AskFormScreen, AsksBoardScreen
from warroom.ui.screens.handoff import HandoffScreen
from warroom.ui.screens.picker import TextPromptScreen

if TYPE_CHECKING:
    from warroom.ui.app import WarroomApp


class CommandActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    session: IncidentSession
    _settings: CommandSettings | None = None

    if TYPE_CHECKING:  # provided by MainScreen and Screen; declared here for the checker
        app: Any
        wr: WarroomApp
        state: IncidentState

        def _do(self, work_coro: Awaitable[Event | None]) -> Awaitable[Event | None]: ...

        def run_worker(self, work: Any) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

    @property
    def command_settings(self) -> CommandSettings:
        if self._settings is None:
            try:
                self._settings = command_settings(self.wr.config)
            except ConfigError as error:
                self.notify(f"{error} (using the defaults)", severity="warning", timeout=10)
                self._settings = CommandSettings()
        return self._settings

    # Timed alarms --------------------------------------------------------------------

    def command_deadline_fired(self, fired: DeadlineFired) -> None:
        """An ask's deadline passed (fired here or by another console): the bell and a
        notification; the IC's stint: a notification. The runtime says so once per key."""
        if fired.rule == ASK_RULE:
            self.app.bell()
            self.notify(f"{fired.message} (A: the asks board)", severity="error", timeout=15)
        elif fired.rule == STINT_RULE:
            self.notify(f"{fired.message} (H: the handoff brief)", severity="warning", timeout=15)

    # Asks ----------------------------------------------------------------------------

    def action_ask(self, value: str = "") -> None:
        def asked(request: AskRequest | None) -> None:
            if request is not None:
                self.run_worker(self._open_ask(request))

        self.app.push_screen(AskFormScreen(self.command_settings.default_box, value), asked)

    async def _open_ask(self, request: AskRequest) -> None:
        event = await self._do(
            command.open_ask(
                self.session.service, self.state, request, self.command_settings.default_box
            )
        )
        if event is not None:
            payload = event.payload
            self.notify(
                f"Asked @{payload['owner']} ({payload['ask']}), due in {payload['box']}", timeout=4
            )

    def action_asks(self) -> None:
        self.app.push_screen(
            AsksBoardScreen(
                lambda: self.session.state,
                self.wr.clock,
                self.ask_action,
                self.command_settings.default_box,
            )
        )

    def ask_action(self, action: str, ask_id: str) -> None:
        """What a key on the asks board asks for: a prompt, then the event."""
        if action == "new":
            self.action_ask()
            return
        ask = self.state.asks.get(ask_id)
        if ask is None or not ask.is_open:
            self.notify("That ask is closed already", severity="warning", timeout=4)
            return
        service, box = self.session.service, self.command_settings.default_box
        who = f"@{ask.owner}: {ask.question}"
        if action == "answer":

            def answered(text: str | None) -> None:
                if text is not None and text.strip():
                    self.run_worker(
                        self._ask_change(command.answer_ask(service, self.state, ask, text))
                    )

            prompt = TextPromptScreen(f"Answer from {who}", placeholder="what they found")
            self.app.push_screen(prompt, answered)
        elif action == "extend":

            def extended(text: str | None) -> None:
                if text is not None and text.strip():
                    self.run_worker(self._extend(ask_id, text))

            self.app.push_screen(TextPromptScreen(f"Extend {who} by", value=_box(box)), extended)
        elif action == "reassign":

            def reassigned(text: str | None) -> None:
                if text is not None and text.strip():
                    self.run_worker(self._reassign(ask_id, text))

            prompt = TextPromptScreen(
                f"Re-ask {who} to (@name, then a time box; default {_box(box)})",
                placeholder="@marco 5m",
            )
            self.app.push_screen(prompt, reassigned)
        elif action == "drop":

            def dropped(reason: str | None) -> None:
                if reason is not None:
                    self.run_worker(
                        self._ask_change(command.drop_ask(service, self.state, ask, reason))
                    )

            prompt = TextPromptScreen(
                f"Drop {who}? Reason (optional), Enter drops, Esc keeps it",
                placeholder="e.g. no longer needed",
            )
            self.app.push_screen(prompt, dropped)

    async def _ask_change(self, work: Awaitable[Event]) -> None:
        try:
            await self._do(work)
        except AskError as error:
            self.notify(inert(str(error)), severity="error", timeout=8)

    async def _extend(self, ask_id: str, text: str) -> None:
        try:
            extra = parse_time_box(text)
        except AskError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        ask = self.state.asks.get(ask_id)
        if ask is not None and ask.is_open:
            await self._ask_change(command.extend_ask(self.session.service, self.state, ask, extra))

    async def _reassign(self, ask_id: str, text: str) -> None:
        words = text.split()
        try:
            extra = (
                parse_time_box(words[1]) if len(words) > 1 else self.command_settings.default_box
            )
            if len(words) > 2:
                raise AskError("write @name and at most a time box: @marco 5m")
        except AskError as error:
            self.notify(str(error), severity="error", timeout=8)
            return
        ask = self.state.asks.get(ask_id)
        if ask is not None and ask.is_open:
            change = command.reassign_ask(self.session.service, self.state, ask, words[0], extra)
            await self._ask_change(change)

    # Handoff -------------------------------------------------------------------------

    def handoff_text(self) -> tuple[str, list[str]]:
        state, now = self.session.state, self.wr.clock()
        limit = self.command_settings.ic_stint
        brief = handoff_brief(state, self.session.ladder, now, limit)
        unheld = unheld_roles(state)
        flags = [f"Nobody holds {', '.join(unheld)} (o assigns roles)"] if unheld else []
        warning = stint_warning(state, now, limit)
        if warning:
            flags.append(warning)
        return brief, flags

    def action_handoff(self) -> None:
        def copy(text: str) -> str:
            return copy_text(self.app, text, self.wr.data_dir, "handoff").message

        self.app.push_screen(HandoffScreen(self.handoff_text, copy, self.action_take_command))

    def action_take_command(self) -> None:
        if self.wr.read_only:  # the handoff modal's `t` and the palette come here directly
            self.notify(READ_ONLY_NOTICE, severity="warning", timeout=4)
            return

        def named(name: str | None) -> None:
            if name is not None and name.strip():
                self.run_worker(self._take(name))

        self.app.push_screen(
            TextPromptScreen(
                "Take command: you become IC. Your name, then Enter (Esc cancels)",
                value=self.session.service.author,
            ),
            named,
        )

    async def _take(self, name: str) -> None:
        event = await self._do(command.take_command(self.session.service, self.state, name))
        if event is not None:
            previous = event.payload.get("previous") or "nobody"
            self.notify(f"IC: {previous} -> {event.payload.get('name')}", timeout=6)

    def command_commands(self) -> Iterator[tuple[str, str, Any]]:
        """Palette entries: take command, the handoff brief, the asks board."""
        yield ("Take command", "become IC (logged as IC: old -> new)", self.action_take_command)
        yield ("Handoff brief", "key H: build and copy the brief", self.action_handoff)
        yield ("Asks board", "key A: open asks and their countdowns", self.action_asks)


def _box(box: Any) -> str:
    from warroom.model.asks import format_box

    return format_box(box)
