"""The services pane gives its columns new widths in place: a FLAP mark that widens the
names, or a resize, re-cuts the cells of the rows on screen at once and the rest within
the pane's budget; 2,000 rows are not rebuilt (that held a key press for 200 ms)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from textual.app import App, ComposeResult

from warroom.probes.shown import ShownState
from warroom.ui.panes.status import AGE_HOLD_SECONDS, ServiceRow, StatusTable


class OneTable(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusTable(id="table")


def rows(count: int, flapping: str | None = None) -> list[ServiceRow]:
    return [
        ServiceRow(
            name=f"service-{n:04d}",
            kind="http",
            state=ShownState.UP,
            reason="status 200 " + "x" * 80,
            flapping=f"service-{n:04d}" == flapping,
        )
        for n in range(count)
    ]


async def test_a_flap_mark_widens_the_names_in_place_without_a_rebuild() -> None:
    app = OneTable()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(StatusTable)
        table.show(rows(2000))
        await pilot.pause()
        service_width = table._column_width("service")
        rebuilt: list[int] = []
        real_rebuild = table._rebuild
        table._rebuild = lambda given: (rebuilt.append(len(given)), real_rebuild(given))  # type: ignore[method-assign]
        table.show(rows(2000, flapping="service-0001"))
        await pilot.pause()
        assert rebuilt == []  # no row was added again
        assert table._column_width("service") == service_width + 11  # room for " FLAP"
        assert "FLAP" in str(table.get_cell("service-0001", "service"))
        # The reason column gave up the room: rows on screen are cut to it now...
        reason_width = table._column_width("reason")
        on_screen = str(table.get_cell("service-0002", "reason"))
        assert len(on_screen) <= reason_width and on_screen.endswith("…")
        # ...and rows out of sight within the budget of each later show.
        for _ in range(2000 // StatusTable.OFFSCREEN_BUDGET + 1):
            table.show(rows(2000, flapping="service-0001"))
        assert not table._recut
        assert len(str(table.get_cell("service-1999", "reason"))) <= reason_width
        assert table.row_count == 2000


class TypingTable(OneTable):
    typing_now = False

    def typing(self) -> bool:
        return self.typing_now


async def test_ages_wait_while_keys_are_typed_but_not_for_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = TypingTable()
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(StatusTable)
        old = time.time() - 100
        table.show([replace(row, observed_at=old) for row in rows(20)])
        await pilot.pause()
        updated: list[str] = []
        real_update = table.update_cell
        monkeypatch.setattr(
            table, "update_cell", lambda *a, **k: (updated.append(a[1]), real_update(*a, **k))
        )
        table._aged_at = time.monotonic() - 1.5  # a tick is due
        app.typing_now = True
        monkeypatch.setattr(time, "time", lambda: old + 200)  # ages that read differently
        table._age_tick()
        assert updated == []  # typing: the ages wait
        table._aged_at = time.monotonic() - AGE_HOLD_SECONDS - 0.1
        table._age_tick()
        assert updated and set(updated) == {"age"}  # but not longer than AGE_HOLD_SECONDS
        updated.clear()
        table._aged_at = time.monotonic() - 1.5
        app.typing_now = False
        monkeypatch.setattr(time, "time", lambda: old + 300)
        table._age_tick()
        assert updated and set(updated) == {"age"}
