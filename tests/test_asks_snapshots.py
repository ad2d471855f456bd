"""SVG snapshots of the asks board, the ask form and the handoff modal (frozen clock).

Update after an intended change with: pytest tests/test_asks_snapshots.py --snapshot-update
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from tests.test_ui_snapshots import settle
from tests.ui_support import HOSTILE, INCIDENT, NOW, T0, make_app, still
from warroom.model.events import EventKind, format_utc, new_event
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.clipboard import CopyOutcome
from warroom.ui.screens.asks import AskFormScreen, AsksBoardScreen
from warroom.ui.screens.handoff import HandoffScreen
from warroom.ui.screens.main import MainScreen


def write_asks(data_dir: Path) -> None:
    """Three open asks (one overdue at NOW, one with hostile text) and one answered."""
    log = IncidentLog(LocalStore(data_dir).folder / f"{INCIDENT}.jsonl")
    number = 100

    def ask(minutes: float, **payload: object):  # type: ignore[no-untyped-def]
        nonlocal number
        number += 1
        at = T0 + timedelta(minutes=minutes)
        made = new_event(INCIDENT, EventKind.ASK, "alice", payload, at=at, now=at)
        return replace(made, id=f"00000000-0000-0000-0000-{number:012d}")

    def due(minutes: float) -> str:
        return format_utc(T0 + timedelta(minutes=minutes))

    def open_ask(at: float, ask_id: str, owner: str, question: str, due_at: float, **more):  # type: ignore[no-untyped-def]
        """An ask opened `at` minutes in, due `due_at` minutes in."""
        payload = {"ask": ask_id, "owner": owner, "question": question, "due": due(due_at)}
        return ask(at, action="open", **payload, **more)

    log.append_many(
        [
            open_ask(
                6,
                "k3f9",
                "dana",
                "check replica lag on orders-db-2 and say whether it is still growing",
                11,
                stream="db",
            ),
            open_ask(7, "pq22", "marco", "is the deploy frozen?", 17, stream="deploy"),
            open_ask(8, "x7me", "lee", HOSTILE, 15),
            open_ask(8, "m2aa", "priya", "pgbouncer pool size", 20, stream="db"),
            ask(
                9,
                action="answer",
                ask="m2aa",
                owner="priya",
                question="pgbouncer pool size",
                answer="200, at 87%",
            ),
            event_note(10),
            fired(11, "ask-expired:k3f9:" + due(11), "Ask overdue: @dana check replica lag"),
        ]
    )


def event_note(minutes: float):  # type: ignore[no-untyped-def]
    at = T0 + timedelta(minutes=minutes)
    made = new_event(
        INCIDENT,
        EventKind.NOTE,
        "alice",
        {"text": "Keep the rollback; no deploys tonight", "note_kind": "decision"},
        at=at,
        now=at,
    )
    return replace(made, id="00000000-0000-0000-0000-000000000200")


def fired(minutes: float, key: str, message: str):  # type: ignore[no-untyped-def]
    """The deadline as the runtime fired it (so nothing fires while the snapshot is taken)."""
    at = T0 + timedelta(minutes=minutes)
    payload = {"key": key, "rule": "ask-expired", "message": message, "automatic": True}
    made = new_event(INCIDENT, EventKind.TIMER_FIRED, "warroom", payload, at=at, now=at)
    return replace(made, id="00000000-0000-0000-0000-000000000300")


def app_with_asks(tmp_path: Path):  # type: ignore[no-untyped-def]
    app = make_app(tmp_path)
    write_asks(tmp_path / "data")
    assert NOW > T0
    return app


def opened(key: str, screen_type: type, *typed: str):  # type: ignore[no-untyped-def]
    """Open a screen with `key` from the main screen, then type `typed` into it."""

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot, MainScreen)
        await pilot.press(key)
        await settle(pilot, screen_type)
        if typed:
            await pilot.press(*typed)
            await pilot.pause()
            still(pilot.app)
        else:
            await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_asks_board(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(
        app_with_asks(tmp_path), terminal_size=size, run_before=opened("A", AsksBoardScreen)
    )


def test_ask_form_with_an_error(snap_compare, tmp_path: Path) -> None:
    typed = [*"check replica lag 5m", "enter"]  # no @owner: the form says what is missing
    assert snap_compare(
        app_with_asks(tmp_path),
        terminal_size=(80, 24),
        run_before=opened("a", AskFormScreen, *typed),
    )


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_handoff_modal(
    snap_compare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    # The clipboard is the edge: its message names a file with today's date in it.
    monkeypatch.setattr(
        "warroom.ui.screens.main_command.copy_text",
        lambda app, text, data_dir, label: CopyOutcome(
            "osc52", False, None, "Sent to your terminal's clipboard (OSC 52)"
        ),
    )
    assert snap_compare(
        app_with_asks(tmp_path), terminal_size=size, run_before=opened("H", HandoffScreen)
    )
