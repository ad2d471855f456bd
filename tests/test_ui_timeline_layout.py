"""Timeline layout: wrapping by cells with a hanging indent, date rows, appending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.ui.panes.timeline_layout import TimelineLayout, entry_body, line_count, wrap_spans

T0 = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)


def lines(text: str, width: int) -> list[str]:
    return [text[start:end] for start, end in wrap_spans(text, width)]


def test_wrap_breaks_between_words_and_keeps_every_word() -> None:
    text = "Checkout p99 went from 300 ms to 9 s right after the deploy  — alice"
    wrapped = lines(text, 20)
    assert all(len(line) <= 20 for line in wrapped)
    assert " ".join(wrapped).split() == text.split()
    assert wrapped[0] == "Checkout p99 went"


def test_wrap_keeps_newlines_and_cuts_words_longer_than_the_line() -> None:
    assert lines("one\ntwo three", 5) == ["one", "two", "three"]
    assert lines("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]
    assert lines("", 5) == [""]
    assert lines("a\n\nb", 5) == ["a", "", "b"]  # an empty line of a paste stays


def test_wrap_measures_wide_characters_in_cells() -> None:
    text = "障害 発生 データベース 接続 プール 枯渇"
    wrapped = lines(text, 10)
    from rich.cells import cell_len

    assert all(cell_len(line.rstrip()) <= 10 for line in wrapped)
    assert "".join(wrapped).replace(" ", "") == text.replace(" ", "")


def events(count: int) -> list:  # type: ignore[type-arg]
    made = [
        new_event(
            "INC-1",
            EventKind.DECLARED,
            "alice",
            {"title": "x", "severity": "SEV-1", "ladder": "sev1-sev3"},
            at=T0,
            now=T0,
        )
    ]
    for n in range(1, count):
        at = T0 + timedelta(minutes=7 * n)
        text = f"note {n} " + "words " * (n % 13) + ("\nsecond line" if n % 5 == 0 else "")
        made.append(
            new_event(
                "INC-1", EventKind.NOTE, "bob", {"text": text, "note_kind": "note"}, at=at, now=at
            )
        )
    return made


def test_layout_counts_every_line_and_a_date_row_per_day() -> None:
    state = fold(events(60), "INC-1")
    layout = TimelineLayout(60, UTC)
    layout.extend(state.entries)
    days = {entry.at.date() for entry in state.entries}
    body_lines = sum(line_count(entry_body(e), layout.body_width) for e in state.entries)
    assert layout.total == body_lines + len(days)
    assert layout.locate(0)[0] < 0  # a date row comes first
    for index in range(len(state.entries)):
        first, count = layout.span(index)
        assert layout.entry_at(first) == index and count >= 1
    berlin = TimelineLayout(60, ZoneInfo("Europe/Berlin"))
    berlin.extend(state.entries)
    local_days = {entry.at.astimezone(ZoneInfo("Europe/Berlin")).date() for entry in state.entries}
    assert berlin.total == body_lines + len(local_days)


def test_appending_gives_the_layout_a_rebuild_gives() -> None:
    state = fold(events(80), "INC-1")
    grown = TimelineLayout(50, UTC)
    grown.extend(state.entries[:30])
    assert grown.continues(state.entries)
    grown.extend(state.entries)
    whole = TimelineLayout(50, UTC)
    whole.extend(state.entries)
    assert (grown.total, list(grown.starts), list(grown.items)) == (
        whole.total,
        list(whole.starts),
        list(whole.items),
    )
    # A backdated entry inserted among the laid-out ones: not a continuation.
    backdated = fold(events(2), "INC-1").entries[1]
    assert not whole.continues([*state.entries[:10], backdated, *state.entries[10:]])


def test_a_pasted_windows_text_keeps_its_lines_without_carriage_returns() -> None:
    at = T0 + timedelta(minutes=1)
    made = new_event(
        "INC-1", EventKind.NOTE, "bob", {"text": "one\r\ntwo", "note_kind": "note"}, at=at, now=at
    )
    entry = fold([*events(1), made], "INC-1").entries[-1]
    assert entry_body(entry) == "one\ntwo  — bob"
