"""The one place untrusted text is made safe, per sink: screen/terminal, Markdown, JSON."""

from __future__ import annotations

import json

import pytest

from warroom.model.text import for_terminal, has_surrogates, inert, json_text, markdown_inline

REORDERING = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\ufeff",
]


@pytest.mark.parametrize("char", REORDERING)
def test_reordering_and_invisible_characters_are_shown_marked(char: str) -> None:
    shown = inert(f"a{char}b")
    assert shown == f"a<U+{ord(char):04X}>b"
    assert char not in for_terminal(f"x{char}") and char not in markdown_inline(char)


@pytest.mark.parametrize("code", [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])
def test_every_c0_and_c1_control_is_visible(code: int) -> None:
    assert inert(f"a{chr(code)}b") == f"a\\x{code:02x}b"
    assert chr(code) not in for_terminal(chr(code))


def test_terminal_text_is_one_line_and_plain_text_is_untouched() -> None:
    assert for_terminal("a\nb\tc\r") == "a ⏎ b c\\x0d"
    assert inert("a\nb\tc") == "a\nb\tc"
    assert inert("Disk full on [/var] — ünïcode ✓") == "Disk full on [/var] — ünïcode ✓"
    assert inert("undecodable \udcff") == "undecodable <U+DCFF>"
    assert has_surrogates("\udcff") and not has_surrogates("é")


def test_markdown_shows_html_tags_as_text_and_keeps_comparisons() -> None:
    assert markdown_inline("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)>"
    assert markdown_inline("</details><!-- x --><?php") == "&lt;/details>&lt;!-- x -->&lt;?php"
    assert markdown_inline("p95 < 200ms, a<b") == "p95 < 200ms, a&lt;b"
    assert markdown_inline("rlo \u202e") == "rlo <U+202E>"  # our own mark is no tag


def test_json_escapes_what_a_terminal_acts_on_and_reads_back_the_same() -> None:
    value = "csi \u009b2J del \x7f rlo \u202e zw \u200b bom \ufeff esc \x1b é ✓ \udcff"
    document = json_text(json.dumps({"text": value}, ensure_ascii=False))
    for char in ("\u009b", "\x7f", "\u202e", "\u200b", "\ufeff", "\x1b", "\udcff"):
        assert char not in document
    assert "é ✓" in document  # readable text stays readable
    assert json.loads(document)["text"] == value
    document.encode()  # a lone surrogate no longer makes the line unwritable


def test_a_damaged_or_foreign_declaration_payload_folds() -> None:
    """Fields of the wrong type (a hand-edited or foreign file) fold to nothing, not a crash."""
    from datetime import UTC, datetime

    from warroom.model.events import EventKind, new_event
    from warroom.model.incident import fold

    at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    payload = {"title": "x", "severity": "SEV-1", "roles": ["IC"], "scenario": {"id": "db"}}
    state = fold([new_event("INC-1", EventKind.DECLARED, "a", payload, at=at, now=at)])
    assert state.declared and state.roles == {} and state.scenario is None


def test_markdown_and_surrogate_edges() -> None:
    assert markdown_inline("a\nb\tc") == "a ⏎ b c"
    assert has_surrogates("\ud800") and has_surrogates("\udfff") and not has_surrogates("\ue000")
