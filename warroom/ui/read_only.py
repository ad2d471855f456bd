"""The read-only console (`warroom --read-only`, what `warroom serve --read-only` runs).

The refusal itself lives below the UI, in `IncidentService(read_only=True)`: every write
goes through it. This module only keeps the console polite about it: the keys that would
write say "read-only console" instead of opening a picker, and the probes still run and
show their rows but leave the timeline to the consoles that can write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.actions import parse

from warroom.ui.feed import ProbeFeed, StateChange
from warroom.ui.panes.status import ServiceRow

READ_ONLY_NOTICE = "read-only console: watching only, nothing can be changed here"

# Actions (by name, in any pane) that change the incident.
WRITING_ACTIONS = frozenset(
    {
        "note",  # main: focus the note line
        "severity",
        "status",
        "role",
        "scenario",
        "record",  # the incident record: impact, facts, milestones
        "todo_done",
        "decide",  # the decision form (the hypotheses and todo boards open, but cannot write)
        "edit",  # timeline (in comms: editing a draft, which only copying would record)
        "strike",
        "pin",
        "tick_step",  # checklist: tick a step
        "copy",  # comms: copying a draft records it in the timeline
        "send",  # comms: sending a draft to its channels (S)
        "page",  # paging the on-call
        "ask",  # a new ask (the asks board's keys are refused by the service)
        "take_command",  # the handoff: become IC
    }
)


def is_writing_action(action: str) -> bool:
    """`"note"`, `"screen.severity"`, `"pin"`: True; `"focus_pane(2)"`, `"help"`: False."""
    _namespace, name, _params = parse(action)
    return name in WRITING_ACTIONS


class ViewOnlyFeed:
    """A probe feed whose state changes are shown but never written to the timeline."""

    def __init__(self, inner: ProbeFeed) -> None:
        self.inner = inner

    def rows(self) -> list[ServiceRow]:
        return self.inner.rows()

    def recheck(self, name: str | None = None) -> None:
        self.inner.recheck(name)

    def hold_while(self, typing: Callable[[], bool]) -> None:
        self.inner.hold_while(typing)

    def problem(self) -> str | None:
        return self.inner.problem()

    async def close(self) -> None:
        await self.inner.close()

    async def run(
        self,
        on_rows: Callable[[], None],
        on_changes: Callable[[list[StateChange]], Awaitable[None]],
    ) -> None:
        async def ignore(changes: list[StateChange]) -> None:
            return None

        await self.inner.run(on_rows, ignore)
