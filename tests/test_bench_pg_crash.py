"""Three writers through three database crashes (bench/pg_crash.py, small): every note is
stored exactly once and in each writer's order, nothing left queued or set aside."""

from __future__ import annotations

import pytest

from bench.pg_crash import run
from tests.support.postgres import postgres_missing_reason

pytestmark = pytest.mark.postgres


def test_three_writers_through_three_crashes_store_every_note_once_in_order() -> None:
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    figures = run(writers=3, notes=40, crashes=3, pace=0.02, down=0.5, gap=0.5)
    assert figures.stored == figures.written == 120
    assert figures.stored_once and figures.in_order
    assert figures.left_queued == 0 and figures.set_aside == 0
    assert figures.queued_while_down > 0  # the crashes did catch writers mid-way
