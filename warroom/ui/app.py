"""WarroomApp: registers themes and keys, opens (or declares) the incident, shows it.

The app is small on purpose: panes live in `ui/panes`, screens in `ui/screens`, and every
change to the incident goes through `IncidentService` (see `services/`).
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.actions import ActionParseResult
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen

from warroom.config import Config
from warroom.model.events import utc_now
from warroom.model.text import inert
from warroom.redact import redact_text
from warroom.ui import themes as theme_files
from warroom.ui.bindings import all_bindings, display_keys, keymap_from_config, live_key
from warroom.ui.early_keys import replay as replay_keys
from warroom.ui.feed import FixedProbeFeed, ProbeFeed
from warroom.ui.preferences import load_preferences, remember_author, remember_theme
from warroom.ui.read_only import READ_ONLY_NOTICE, ViewOnlyFeed, is_writing_action
from warroom.ui.screens.loading import LoadingScreen

if TYPE_CHECKING:
    from warroom.model.comms import CommsTemplate
    from warroom.runtime import IncidentRuntime, RuntimeContext
    from warroom.scenarios.loader import Catalogue
    from warroom.services.incidents import IncidentService
    from warroom.services.session import IncidentSession
    from warroom.ui.screens.declare import Declaration

# The runtime (store, services, model, rules), the main screen (every pane and its
# models), the declare form and the prompts are imported when first needed: after the
# first frame (LoadingScreen), not before it. `warroom` with no command hands the app a
# `context_factory` and the context is built then too.


PREVIEW_REFRESHES = 5
"""At most this many screen refreshes are waited for the loading frame's preview."""
TYPING_SECONDS = 0.4
"""Keys this recent mean someone is typing (see `WarroomApp.typing`)."""


class WarroomApp(App[int]):
    CSS_PATH = "warroom.tcss"
    TITLE = "warroom"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit", tooltip="quit"),
    ]

    def __init__(
        self,
        service: IncidentService | None,
        config: Config,
        data_dir: Path,
        *,
        incident_id: str | None = None,
        feed: ProbeFeed | None = None,
        clock: Callable[[], datetime] = utc_now,
        zone: tzinfo | None = None,
        zone_name: str | None = None,
        theme: str | None = None,
        catalogue: Catalogue | None = None,
        templates: list[CommsTemplate] | None = None,
        ask_author: bool = False,
        read_only: bool = False,
        context: RuntimeContext | None = None,
        context_factory: Callable[[], RuntimeContext] | None = None,
        preview_folder: Path | None = None,
    ) -> None:
        """`service` (tests) or `context` or `context_factory` (the command line: the
        context, with the store, the model and the rules, is built after the first frame)."""
        super().__init__()
        if service is None and context is None and context_factory is None:
            raise ValueError("WarroomApp needs a service, a context or a context factory")
        # Read-only is enforced by the service (every write goes through it); the app
        # only turns writing keys into a notice and keeps probe changes off the timeline.
        given = service or (context.service if context is not None else None)
        self.read_only = read_only or bool(given is not None and given.read_only)
        if given is not None:
            given.read_only = self.read_only
        self._incident_service = given
        self.config = config
        self.data_dir = data_dir
        self.incident_id = incident_id
        self.feed: ProbeFeed = feed or FixedProbeFeed()
        if self.read_only:
            self.feed = ViewOnlyFeed(self.feed)
        self.clock = clock
        self.zone = zone
        self.zone_name = zone_name
        self.requested_theme = theme
        self._catalogue = catalogue  # read when first needed, after the first frame
        self.startup_problems: list[str] = []
        self._templates = templates  # read when first needed, after the first frame
        # One context (service, zone, timed rules) for every incident this console opens,
        # built on first use (after the first frame); its catalogue is set when an
        # incident is opened.
        self._runtime_context = context
        self._open_context = context_factory
        # Local incident files, read for the loading frame's preview (`store.preview`);
        # given by the command line, else the given service's store when it is local.
        self.preview_folder = preview_folder
        self.runtime: IncidentRuntime | None = None
        # A bad [keys] or [ui] theme stops here, before anything is drawn: a ConfigError
        # the command line prints as one line (exit 3).
        self.keymap_overrides = keymap_from_config(config)
        theme_files.check_configured_theme(config)
        self.ask_author = ask_author
        self._key_at = float("-inf")  # when the last key came (`typing`)

    @property
    def context(self) -> RuntimeContext:
        """The runtime context, built on first use (the store, the model and the rules are
        imported then: after the first frame when the command line started the app)."""
        if self._runtime_context is None:
            if self._open_context is not None:
                context = self._open_context()
            else:
                from warroom.runtime import open_context

                assert self._incident_service is not None
                service = self._incident_service
                context = open_context(
                    self.config,
                    service.store,
                    self.data_dir,
                    service.author,
                    clock=self.clock,
                    service=service,
                )
            context.service.read_only = self.read_only or context.service.read_only
            self.read_only = context.service.read_only
            self._incident_service = context.service
            self._runtime_context = context
        if self._catalogue is not None and self._runtime_context.catalogue is None:
            self._runtime_context.catalogue = self._catalogue
        return self._runtime_context

    @property
    def service(self) -> IncidentService:
        """Who writes the incident's events (the context's service)."""
        return self.context.service

    @property
    def catalogue(self) -> Catalogue:
        """The scenarios (shipped and the user's), read on first use; problems reading
        them are notified then."""
        if self._catalogue is None:
            from warroom.scenarios.loader import load_scenarios

            self._catalogue = load_scenarios()
            for problem in map(str, self._catalogue.errors):
                self.notify(inert(problem), severity="warning", timeout=10)
        return self._catalogue

    @catalogue.setter
    def catalogue(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    @property
    def templates(self) -> list[CommsTemplate]:
        """The comms templates (shipped and the user's), read on first use."""
        if self._templates is None:
            from warroom.comms_templates import load_templates

            self._templates, problems = load_templates()
            for problem in problems:
                self.notify(inert(problem), severity="warning", timeout=10)
        return self._templates

    @templates.setter
    def templates(self, templates: list[CommsTemplate]) -> None:
        self._templates = templates

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification is plain text: they quote errors and what people typed, and
        Textual would read `[/x]` in them as markup (widgets' `notify` lands here too); escapes
        and reordering characters in them are shown, not applied (`inert`). Errors can quote
        a DSN or a server's words: secrets are masked here, once."""
        message, title = inert(redact_text(str(message))), inert(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """In a read-only console a key that would write says so instead of acting."""
        if self.read_only and isinstance(action, str) and is_writing_action(action):
            self.notify(READ_ONLY_NOTICE, severity="warning", timeout=4)
            return True
        return await super().run_action(action, default_namespace, namespaces)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._key_at = time.monotonic()
        await super().on_event(event)

    def typing(self) -> bool:
        """Whether a key came in the last TYPING_SECONDS: redraws that can wait (probe
        latencies, drafts refilled for probe churn) let the keys' frames go first."""
        return time.monotonic() - self._key_at < TYPING_SECONDS

    def action_help_quit(self) -> None:
        """ctrl+c says how to quit, in plain words (Textual's own hint is markup, and every
        notification here is plain text, so it showed as "Press [b]ctrl+q[/b]")."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit", title="Do you want to quit?")
                return

    # Themes and keys -------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        theme = self.get_theme(self.theme)
        return theme_files.theme_variable_defaults(dark=theme.dark if theme else True)

    def on_load(self) -> None:
        """Choose the theme before the stylesheet is first parsed (it is parsed once, with
        the theme's colours: setting `theme` after the first frame parses it again, 50-100
        ms on the way to the first frame)."""
        self.startup_problems += theme_files.register_themes(self)
        remembered = load_preferences().theme
        name, problems = theme_files.choose_theme(
            self.requested_theme, remembered, self.available_themes, self.config.theme
        )
        self.startup_problems += problems
        self._start_with_theme(name)
        if self.requested_theme and self.requested_theme == name:
            remember_theme(name)

    def _start_with_theme(self, name: str) -> None:
        """What Textual's theme watcher does, except re-parsing a stylesheet that was never
        parsed: the variables and the theme's classes are in place for the first parse."""
        self.set_reactive(WarroomApp.theme, name)
        self.stylesheet.set_variables(self.get_css_variables())
        dark = self.current_theme.dark
        classes = {c: False for c in self.classes if c.startswith("-theme-")}
        classes.update({f"-theme-{name}": True, "-dark-mode": dark, "-light-mode": not dark})
        self.update_classes(classes, update=False)
        self._refresh_truecolor_filter(self.ansi_theme)
        self._theme_ready = True  # from now on a change of theme is remembered

    def on_mount(self) -> None:
        if self.keymap_overrides:
            self.set_keymap(self.keymap_overrides)
        for problem in self.startup_problems:
            self.notify(inert(problem), severity="warning", timeout=10)
        # The frame first (header, the four panes), then the incident is read and folded
        # and the main screen fills it: a long incident takes a while.
        self.push_screen(LoadingScreen(self.incident_id, bool(self.feed.rows())))
        self.call_after_refresh(self.open_incident)

    def watch_theme(self, name: str) -> None:
        if getattr(self, "_theme_ready", False):
            problem = remember_theme(name)
            if problem:
                self.notify(inert(problem), severity="warning")
        self._theme_ready = True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        from warroom.ui.screens.main import MainScreen

        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for title, help_text, callback in screen.comms_commands():
                yield SystemCommand(title, help_text, callback)
            for title, help_text, callback in screen.command_commands():
                yield SystemCommand(title, help_text, callback)
            for binding in screen.BINDINGS:
                if isinstance(binding, Binding) and binding.description and binding.show:
                    yield SystemCommand(
                        binding.description,
                        f"key {binding.key}",
                        lambda action=binding.action: self.run_action(action, screen),
                    )

    def key_for(self, binding_id: str, default: str) -> str:
        """The key a binding is on now (after the config's rebinding)."""
        return self.keymap_overrides.get(binding_id, default)

    def key_help(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Every key, read from the bindings with the config's rebinding applied, then
        what no binding of ours says (Textual's own keys, prompts)."""
        sections: dict[str, list[tuple[str, str]]] = {}
        for binding in all_bindings():
            key = display_keys(live_key(binding, self.keymap_overrides))
            sections.setdefault(binding.group_title, []).append((key, binding.text))
        sections["Also"] = [
            ("ctrl+p", "command palette (every action, themes)"),
            ("left / right", "comms tabs: choose the audience (template)"),
            ("arrows, pgup / pgdn", "timeline: move through the entries"),
            ("u, then resolved", "asks for the one-line resolution summary"),
        ]
        return list(sections.items())

    # Opening the incident ------------------------------------------------------------

    @property
    def session(self) -> IncidentSession | None:
        """The open incident's session (the runtime's), None before one is open."""
        return self.runtime.session if self.runtime is not None else None

    async def who_are_you(self) -> None:
        """Ask once per machine who is at the keyboard: the name that signs every event
        (the IC is a role you assign, not the author). Escape keeps the login name for
        this run without remembering it."""
        from warroom.ui.screens.picker import TextPromptScreen

        name = await self.push_screen_wait(
            TextPromptScreen(
                "Who are you? Your name signs what you do in the timeline "
                "(asked once on this machine; --author or incident.author win)",
                self.service.author,
                placeholder="e.g. Alice Martin",
            )
        )
        if name is None or not name.strip():
            return
        self.service.author = inert(name.strip(), single_line=True)
        problem = remember_author(self.service.author)
        if problem:
            self.notify(inert(problem), severity="warning")

    @work(exit_on_error=False, exclusive=True, group="open")
    async def open_incident(self) -> None:
        await self._show_preview()  # the end of the timeline first, while the rest is read
        from warroom.services.incidents import IncidentError
        from warroom.store.base import StoreError, UnknownIncident
        from warroom.ui.screens.main import MainScreen

        if self.ask_author:
            self.ask_author = False
            await self.who_are_you()
        if self.context.catalogue is None:  # the rules read it; read now, not at start-up
            self.context.catalogue = self.catalogue
        try:
            incident_id = self.incident_id
            if incident_id is None:
                self.runtime = await self.context.open_latest()
            if self.runtime is None and incident_id is None and self.read_only:
                message = "warroom: read-only console: no incident to watch yet"
                self.exit(1, return_code=1, message=message)
                return
            if self.runtime is None and incident_id is None:
                self._drop_early_keys("there is no open incident: declare one")
                from warroom.ui.screens.declare import DeclareScreen  # only when declaring

                declaration = await self.push_screen_wait(
                    DeclareScreen(
                        self.service.default_ladder, self.catalogue.all(), self.service.author
                    )
                )
                if declaration is None:
                    self.exit(0)
                    return
                incident_id = await self.declare(declaration)
            if self.runtime is None:
                assert incident_id is not None
                self.runtime = await self.context.open_runtime(incident_id)
        except UnknownIncident as error:
            self.exit(1, return_code=1, message=f"warroom: error: {error}")
            return
        except (StoreError, IncidentError, OSError) as error:
            self.exit(1, return_code=1, message=f"warroom: error: {inert(str(error))}")
            return
        # The incident's events live as long as the console: leave everything alive now
        # out of later garbage collections. Otherwise each full collection walks every
        # event again (60-120 ms with 100,000 of them) and a key pressed meanwhile waits.
        # Garbage is collected first; reference counting still frees frozen objects, and
        # only a cycle alive now and dropped later would never be collected.
        gc.collect()
        gc.freeze()
        early = [k for s in self.screen_stack if isinstance(s, LoadingScreen) for k in s.early_keys]
        if isinstance(self.screen, LoadingScreen):
            await self.switch_screen(MainScreen(self.runtime))
        else:
            await self.push_screen(MainScreen(self.runtime))
        if early:  # typed on the frame: now they reach the incident, in order
            await replay_keys(self, early)

    async def _show_preview(self) -> None:
        """Show the incident's title and the end of its timeline on the loading frame, read
        from the ends of its file (local files only), and wait until it is drawn."""
        screen = self.screen
        if not isinstance(screen, LoadingScreen):
            return
        folder = self.preview_folder
        if folder is None:
            from warroom.store.local import LocalStore

            given = self._runtime_context.store if self._runtime_context else None
            given = given or (self._incident_service.store if self._incident_service else None)
            if not isinstance(given, LocalStore):
                return
            folder = given.folder
        from warroom.store.preview import preview

        found = preview(folder, self.incident_id)
        if found is None:
            return
        timeline = await screen.show_preview(found, self.zone, self.zone_name)
        # Laid out, scrolled to its end and drawn: a few refreshes (the scroll range comes
        # a refresh after the layout); the read that follows holds the loop.
        for _ in range(PREVIEW_REFRESHES):
            await self._refreshed()
            timeline.action_jump(-1)  # the newest entry, once the scroll range is known
            if timeline.size.height and timeline.scroll_y >= timeline.max_scroll_y:
                await self._refreshed()  # the frame at the end, on screen
                return

    async def _refreshed(self) -> None:
        """Return after the next screen refresh."""
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        await drawn.wait()

    def _drop_early_keys(self, why: str) -> None:
        """Keys typed on the frame were meant for an incident; another screen came first
        (the declare form): say they were not used rather than type them into it."""
        for screen in self.screen_stack:
            if isinstance(screen, LoadingScreen) and screen.early_keys:
                count = len(screen.early_keys)
                screen.early_keys.clear()
                typed = "1 key" if count == 1 else f"{count} keys"
                self.notify(f"{typed} typed while opening not used: {why}", severity="warning")

    async def declare(self, declaration: Declaration) -> str:
        roles = {"IC": declaration.ic} if declaration.ic else {}
        event = await self.service.declare(
            declaration.title,
            declaration.severity,
            scenario=declaration.scenario,
            roles=roles,
            impact=declaration.impact,
        )
        return event.incident_id

    async def on_unmount(self) -> None:
        await self.feed.close()
        if self.runtime is not None:
            await self.runtime.close()
        if self._incident_service is not None:  # nothing was opened when the context never was
            await self._incident_service.store.close()
