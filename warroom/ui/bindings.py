"""Every key binding of the console that has an id, and the config's `[keys]` checked
against them.

A `Binding(..., id="timeline.pin")` in any class of `warroom.ui` (app, screens, panes,
widgets) is found by `all_bindings()` without being listed anywhere: the help screen, the
README's key table (`python -m warroom.ui.keytable`) and the `[keys]` validation read it
from here. The part of the id before the first dot is its group (`main` -> "Incident");
the text shown is the binding's `tooltip`, else `TEXT[id]`, else its `description`.

`keymap_from_config(config)` turns `[keys]` into Textual's keymap; an unknown binding id
or a key Textual cannot read is a one-line `ConfigError` naming the file, the line, the
id and the closest match.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, KEY_TO_UNICODE_NAME, Keys

import warroom.ui
from warroom.config import Config, ConfigError

# Modules not searched for bindings: the launcher builds the app, it holds none.
_SKIPPED_MODULES = frozenset({"warroom.ui.launch", "warroom.ui.keytable"})
# Group titles by id prefix, in the order help and README show them; other prefixes
# follow alphabetically, titled from the prefix.
GROUP_TITLES: dict[str, str] = {
    "app": "Everywhere",
    "main": "Incident",
    "status": "Services pane",
    "checklist": "Checklist pane",
    "timeline": "Timeline pane",
    "note": "Note input",
    "comms": "Comms pane",
    "hypotheses": "Hypotheses board (h)",
    "decision": "Decision form (d)",
    "todos": "Todo board (T)",
    "asks": "Asks board (A)",
    "handoff": "Handoff brief (H)",
    "escalations": "Escalations (E)",
}
# Longer text for bindings whose own `tooltip` is not set yet (main.py is being reshaped
# on other branches; a `tooltip=` on the Binding wins over this and is the place to write
# it). Keys are never written here: they always come from the bindings and the config.
TEXT: dict[str, str] = {
    "main.next_pane": "next pane",
    "main.prev_pane": "previous pane",
    "main.pane1": "jump to the services pane",
    "main.pane2": "jump to the checklist",
    "main.pane3": "jump to the timeline",
    "main.pane4": "jump to the comms composer",
    "main.help": "help: every key",
    "main.note": "write a note (n: f: a: d: t: prefixes set its kind)",
    "main.severity": "change the severity (lowering it asks y/n)",
    "main.status": "change the status (resolving asks for the summary)",
    "main.role": "assign roles (IC, Ops, Comms...)",
    "main.scenario": "pick the scenario (its checklist)",
    "main.incidents": "open incidents: switch, or declare another",
    "main.recheck": "re-check every service now",
    "main.record": "situation record: impact, workaround, milestones, next update",
    "main.export": "export the post-mortem into the data folder's exports/ (as export -o)",
    "main.zoom": "zoom the focused pane to the whole screen, and back",
    "main.leave_note": "from the note input, back to the timeline",
    "main.hypotheses": "hypotheses board: new, confirm, rule out, reopen, evidence",
    "main.decide": "record a decision: proposal, objections poll, who decided",
    "main.todos": "todo board: new, owner, due date, done / open",
    "hypotheses.new": "a new hypothesis",
    "hypotheses.confirm": "confirm the selected hypothesis",
    "hypotheses.rule_out": "rule it out (asks for the reason)",
    "hypotheses.reopen": "reopen it",
    "hypotheses.evidence": "link findings as evidence",
    "decision.save": "record the decision",
    "todos.new": "a new todo",
    "todos.owner": "set its owner",
    "todos.due": "set its due date",
    "todos.done": "mark it done / open again",
    "main.ask": "ask someone something with a time box: @dana check replica lag 5m #db",
    "main.asks": "asks board: open asks by workstream with live countdowns",
    "main.handoff": "handoff brief, copied as it opens",
    "asks.answer": "answer the selected ask",
    "asks.extend": "extend its time box",
    "asks.reask": "re-ask someone else",
    "asks.drop": "drop it",
    "asks.new": "a new ask",
    "handoff.copy": "copy the brief again",
    "handoff.take": "take command (you become IC)",
    "main.escalations": "escalations: due, upcoming, done",
    "main.outbox": "the outbox: unsent messages, why, the next try (r retries now, y copies)",
    "escalations.mark": "mark it escalated",
    "escalations.snooze": "snooze it",
    "escalations.dismiss": "dismiss it",
    "escalations.copy": "copy the escalation message",
}
MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_SPECIAL_KEYS = {key.value.rsplit("+", 1)[-1] for key in Keys if not key.value.startswith("<")}
KEY_NAMES = frozenset(
    _SPECIAL_KEYS | set(KEY_TO_UNICODE_NAME) | set(KEY_NAME_REPLACEMENTS.values()) | {"newline"}
)


@dataclass(frozen=True)
class KeyBinding:
    """One binding with an id, as the help and the README show it."""

    id: str
    key: str
    text: str
    group: str
    owner: str  # the class that holds it, e.g. "TimelineView"

    @property
    def group_title(self) -> str:
        return GROUP_TITLES.get(self.group) or self.group.replace("_", " ").capitalize()


@cache
def all_bindings() -> tuple[KeyBinding, ...]:
    """Every binding with an id in `warroom.ui`, grouped (see `GROUP_TITLES`) and in the
    order each class declares them. An id held by two classes is listed once."""
    found: dict[str, KeyBinding] = {}
    for cls in _binding_classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.id or binding.id in found:
                continue
            found[binding.id] = KeyBinding(
                id=binding.id,
                key=binding.key,
                text=binding.tooltip or TEXT.get(binding.id) or binding.description or "",
                group=binding.id.split(".", 1)[0],
                owner=cls.__name__,
            )
    order = {group: index for index, group in enumerate(GROUP_TITLES)}
    ranked = sorted(
        enumerate(found.values()),
        key=lambda pair: (order.get(pair[1].group, len(order)), pair[1].group, pair[0]),
    )
    return tuple(binding for _, binding in ranked)


def _binding_classes() -> list[type]:
    classes: list[type] = []
    modules = [warroom.ui.__name__]
    modules += [
        info.name
        for info in pkgutil.walk_packages(warroom.ui.__path__, warroom.ui.__name__ + ".")
        if info.name not in _SKIPPED_MODULES
    ]
    for name in sorted(modules, key=_module_rank):
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and "BINDINGS" in cls.__dict__:
                classes.append(cls)
    return classes


def _module_rank(name: str) -> tuple[int, str]:
    """The app first, then screens, then panes and the rest (the order of the help)."""
    for rank, prefix in enumerate(("warroom.ui.app", "warroom.ui.screens", "warroom.ui.panes")):
        if name.startswith(prefix):
            return rank, name
    return 3, name


def key_problem(keys: str) -> str | None:
    """Why Textual could not bind `keys` (one key, or several separated by commas), or
    None when it can: modifiers from `MODIFIERS`, then one character or a key name."""
    for key in keys.split(","):
        key = key.strip()
        if not key:
            return "an empty key in the list"
        *modifiers, name = key.split("+") if key != "+" else ["+"]
        for modifier in modifiers:
            if modifier not in MODIFIERS:
                close = difflib.get_close_matches(modifier.lower(), MODIFIERS, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                return f"{modifier!r} is not a modifier ({hint}{', '.join(MODIFIERS)})"
        if not _known_key(name):
            close = difflib.get_close_matches(name.lower(), sorted(KEY_NAMES), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"{key!r} is not a key{hint}"
    return None


def _known_key(name: str) -> bool:
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    if name in KEY_NAMES:
        return True
    if name != name.lower():  # Textual names keys in lower case: "Enter" never matches
        return False
    try:
        return len(unicodedata.lookup(name.replace("_", " ").upper())) == 1
    except KeyError:
        return False


def keymap_from_config(
    config: Config, bindings: Iterable[KeyBinding] | None = None
) -> dict[str, str]:
    """`[keys]` checked against the console's bindings, as Textual's keymap."""
    if not config.keys:
        return {}
    known = [b.id for b in (all_bindings() if bindings is None else bindings)]
    for binding_id, keys in config.keys.items():
        where = config.where(f"keys.{binding_id}")
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, known, n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(
                f"{where}: no binding has this id ({hint}ids: `python -m warroom.ui.keytable"
                " --ids`, or the README's key table)"
            )
        problem = key_problem(keys)
        if problem:
            raise ConfigError(f"{where}: {problem}")
    return dict(config.keys)


def display_keys(keys: str) -> str:
    """How a key (or a comma list of keys) is written for people: `?`, `ctrl+r`, `S`."""
    shown = []
    for key in keys.split(","):
        *modifiers, name = key.strip().split("+")
        name = (
            unicodedata.lookup(KEY_TO_UNICODE_NAME[name]) if name in KEY_TO_UNICODE_NAME else name
        )
        shown.append("+".join([*modifiers, name]))
    return " / ".join(shown)


def live_key(binding: KeyBinding, keymap: Mapping[str, str]) -> str:
    """The key a binding is on now: the config's rebinding, else its own."""
    return keymap.get(binding.id, binding.key)
