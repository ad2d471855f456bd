"""The console's footer: the keys that work now, chosen by priority and cut to the width.

The console has about 65 bindings; no terminal shows them all, and Textual's own footer
lays its keys side by side until the width runs out, so the last one was cut in half (a
lone `O` at 200 columns) and the app's `^q Quit`, listed last, was never seen. This
footer picks what to show, in this order, and drops whole keys that do not fit:

1. how to quit (`app.quit`), how to get help (`main.help`, where it is bound) and how to
   go back (the key bound to `escape` on this screen: close a modal, leave the note line);
2. the keys of the focused widget and the panes around it (closest first);
3. the screen's keys, in the order the screen declares them, then the app's;
4. `^p palette`, when everything else fits.

Keys are read live from the screen's active bindings, so the config's `[keys]` rebinding
is what shows. A key shows once (its first key when several do the same thing); keys a
focused text input would swallow are not listed (Textual leaves them out of the active
bindings). It is drawn as one line of plain text (no markup: key names come from the
config); a click on a key presses it.

It subclasses Textual's `Footer` for its place and colours (docked at the bottom,
`compact` on small screens, the `$footer-*` theme variables, the screen's
bindings-changed signal), not for its children: laying out one line of text is cheaper
than recomposing a row of widgets on each focus change, and it draws while the app is
blurred (a `warroom serve` page without the focus), where Textual's footer stayed empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import App
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widgets import Footer

QUIT_ID = "app.quit"
HELP_ID = "main.help"
PALETTE_ACTIONS = ("command_palette", "app.command_palette")
# Shorter words for the footer than the binding's description (the palette keeps those).
SHORT: dict[str, str] = {HELP_ID: "Help"}


@dataclass(frozen=True)
class FooterKey:
    """One key as the footer shows it: what to press (`key`, a Textual key name), how it
    is written (`shown`), and what it does."""

    key: str
    shown: str
    description: str
    enabled: bool = True

    def width(self, compact: bool) -> int:
        """Cells taken: `key description` compact, ` key description ` otherwise."""
        return sum(cell_len(part) for part in self.cells(compact))

    def cells(self, compact: bool) -> tuple[str, str]:
        if compact:
            return self.shown, f" {self.description}" if self.description else ""
        return f" {self.shown} ", f"{self.description} " if self.description else ""


def ranked_keys(screen: Screen[Any], app: App[Any]) -> tuple[list[FooterKey], FooterKey | None]:
    """The screen's active keys, most important first, and the palette key (shown last)."""
    return rank(with_priority_keys(screen), screen, app)


def with_priority_keys(screen: Screen[Any]) -> dict[str, ActiveBinding]:
    """The screen's active bindings, and the priority bindings that work over a modal too
    (`ctrl+q` quits from any screen; Textual leaves them out of a modal's active
    bindings but checks them first on every key press, from the same binding chain)."""
    active = dict(screen.active_bindings)
    for node, bindings in screen._binding_chain:  # with the config's keymap applied
        for key, binding in bindings:
            if binding.priority and key not in active:
                active[key] = ActiveBinding(node, binding, True, binding.tooltip)
    return active


def rank(
    active: Mapping[str, ActiveBinding], screen: Screen[Any], app: App[Any]
) -> tuple[list[FooterKey], FooterKey | None]:
    """See the module's docstring for the order."""
    pinned: dict[int, FooterKey] = {}  # 0 quit, 1 help, 2 escape
    near: dict[int, list[FooterKey]] = {}  # by distance from the focused widget
    screen_keys: list[FooterKey] = []
    app_keys: list[FooterKey] = []
    palette: FooterKey | None = None
    seen: set[tuple[int, str]] = set()
    depth = _depths(screen)
    for key, (node, binding, enabled, _tooltip) in _declared(active):
        if binding.action in PALETTE_ACTIONS:
            if app.ENABLE_COMMAND_PALETTE:
                palette = FooterKey(key, app.get_key_display(binding), "palette", enabled)
            continue
        if not binding.show or (id(node), binding.action) in seen:
            continue
        seen.add((id(node), binding.action))
        description = SHORT.get(binding.id or "", binding.description)
        entry = FooterKey(key, _plain(app.get_key_display(binding)), _plain(description), enabled)
        if binding.id == QUIT_ID:
            pinned[0] = entry
        elif binding.id == HELP_ID:
            pinned[1] = entry
        elif key == "escape" and 2 not in pinned:
            pinned[2] = entry
        elif node is app:
            app_keys.append(entry)
        elif node is screen:
            screen_keys.append(entry)
        else:
            near.setdefault(depth.get(id(node), 0), []).append(entry)
    ordered = [pinned[slot] for slot in sorted(pinned)]
    for distance in sorted(near):
        ordered += near[distance]
    return ordered + screen_keys + app_keys, palette


def _declared(active: Mapping[str, ActiveBinding]) -> list[tuple[str, ActiveBinding]]:
    """The active bindings in the order their classes declare them (a key rebound in
    `[keys]` moves to the end of Textual's map: `n` rebound to `N` fell behind `z`)."""
    order: dict[tuple[int, str], int] = {}

    def position(node: object, action: str) -> int:
        if (id(node), "") not in order:
            order[(id(node), "")] = 0
            for cls in reversed(type(node).__mro__):
                for binding in cls.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        order.setdefault((id(node), binding.action), len(order))
        return order.get((id(node), action), len(order) + 1_000)

    items = list(active.items())
    return sorted(items, key=lambda item: position(item[1].node, item[1].binding.action))


def _depths(screen: Screen[Any]) -> dict[int, int]:
    """How far each ancestor of the focused widget is from it (0: the widget itself)."""
    focused = screen.focused
    if focused is None:
        return {}
    return {id(node): distance for distance, node in enumerate(focused.ancestors_with_self)}


def _plain(text: str) -> str:
    """One line, no control characters (a key name or word from the config)."""
    return "".join(c if c.isprintable() else " " for c in text.replace("\n", " "))


def fit(
    keys: Iterable[FooterKey], palette: FooterKey | None, width: int, compact: bool
) -> tuple[list[FooterKey], bool]:
    """The keys that fit in `width` cells, whole, in priority order (a key that does not
    fit is dropped and the next, shorter one tried), and whether the palette key fits too
    (it needs everything else shown)."""
    gap = 1 if compact else 0
    shown: list[FooterKey] = []
    used = 0
    dropped = False
    for key in keys:
        need = key.width(compact) + (gap if shown else 0)
        if used + need <= width:
            shown.append(key)
            used += need
        else:
            dropped = True
    with_palette = False
    if palette is not None and not dropped:
        with_palette = used + 2 + palette.width(compact) <= width
    return shown, with_palette


class KeysFooter(Footer):
    """The keys that work now, as many as fit, quit and help first (see the module)."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {
        "footer-key--key",
        "footer-key--description",
        "footer-key--hover",
        "footer-key--separator",
    }
    DEFAULT_CSS = """
    KeysFooter {
        .footer-key--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .footer-key--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .footer-key--hover {
            background: $block-hover-background;
        }
        .footer-key--separator {
            color: $foreground 55%;
        }
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ranked: tuple[list[FooterKey], FooterKey | None] | None = None
        self._spans: list[tuple[int, int, FooterKey]] = []
        self._hover_x: int | None = None

    def compose(self) -> Iterable[Any]:
        return ()  # drawn as text by render(), not as a row of widgets

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Read the keys again, also while the app is blurred (Textual's footer waits
        for the focus, and a page opened in a background tab showed no keys)."""
        self._bindings_ready = True
        if self.is_attached and screen is self.screen:
            self._ranked = None
            self.refresh()

    def shown_keys(self) -> list[FooterKey]:
        """The keys on the line now, left to right (the palette key last, if shown)."""
        return [key for _, _, key in self._spans]

    def render(self) -> Text:
        if self._ranked is None:
            self._ranked = ranked_keys(self.screen, self.app)
        keys, palette = self._ranked
        width = self.content_region.width or self.size.width
        shown, with_palette = fit(keys, palette, width, self.compact)
        key_style = self.get_component_rich_style("footer-key--key")
        text_style = self.get_component_rich_style("footer-key--description")
        hover = self.get_component_rich_style("footer-key--hover", partial=True)
        line = Text(no_wrap=True, overflow="crop", end="")
        spans: list[tuple[int, int, FooterKey]] = []
        for index, key in enumerate(shown):
            if index and self.compact:
                line.append(" ")
            spans.append(self._append(line, key, key_style, text_style, hover))
        if with_palette and palette is not None:
            palette_width = palette.width(self.compact) + 1
            line.append(" " * (width - line.cell_len - palette_width))
            line.append("▏", self.get_component_rich_style("footer-key--separator"))
            spans.append(self._append(line, palette, key_style, text_style, hover))
        self._spans = spans
        return line

    def _append(
        self, line: Text, key: FooterKey, key_style: Style, text_style: Style, hover: Style
    ) -> tuple[int, int, FooterKey]:
        start = line.cell_len
        dim = Style(dim=True) if not key.enabled else Style()
        shown, description = key.cells(self.compact)
        line.append(shown, key_style + dim)
        line.append(description, text_style + dim)
        end = line.cell_len
        if self._hover_x is not None and start <= self._hover_x < end:
            line.stylize(hover, start, end)
        return start, end, key

    def key_at(self, x: int) -> FooterKey | None:
        return next((key for start, end, key in self._spans if start <= x < end), None)

    def on_click(self, event: events.Click) -> None:
        key = self.key_at(event.x)
        if key is None:
            return
        event.stop()
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        hovered = self.key_at(event.x)
        before = self.key_at(self._hover_x) if self._hover_x is not None else None
        self._hover_x = event.x
        if hovered is not before:
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover_x is not None:
            self._hover_x = None
            self.refresh()
