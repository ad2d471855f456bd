"""Ladders, backdating times, incident ids and inert text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from warroom.model.ids import next_incident_id
from warroom.model.severity import PRESETS, SeverityError, ladder_from_config
from warroom.model.text import inert
from warroom.model.timeparse import TimeParseError, parse_at

NOW = datetime(2026, 11, 23, 0, 10, tzinfo=UTC)


def test_presets_are_ordered_and_carry_runbook_figures() -> None:
    assert set(PRESETS) == {"sev1-sev3", "sev0-sev3", "p0-p3", "p1-p4"}
    sev = PRESETS["sev1-sev3"]
    assert sev.keys == ["SEV-1", "SEV-2", "SEV-3"]
    assert sev.get("sev1").response_time == timedelta(minutes=5)
    assert sev.get("SEV-2").update_cadence == timedelta(hours=2)
    assert sev.get("SEV-3").resolve_target == timedelta(hours=24)
    assert PRESETS["p1-p4"].get("P1").response_time == timedelta(minutes=15)
    with pytest.raises(SeverityError, match="choose from SEV-1, SEV-2, SEV-3"):
        sev.get("SEV-0")


def test_at_least_gates_across_ladders() -> None:
    sev = PRESETS["sev1-sev3"]
    assert sev.at_least("SEV-1", "SEV-2") and not sev.at_least("SEV-3", "SEV-2")
    assert sev.at_least("SEV-1", "P0") and not sev.at_least("SEV-2", "P0")


def test_custom_ladder_from_config() -> None:
    ladder = ladder_from_config(
        "custom", [{"key": "RED", "update_cadence": "20m"}, {"key": "AMBER"}]
    )
    assert ladder.get("red").update_cadence == timedelta(minutes=20)
    with pytest.raises(SeverityError, match="severity\\[1\\]: missing 'key'"):
        ladder_from_config("custom", [{"key": "A"}, {"name": "x"}])


def test_parse_at_relative_clock_and_iso() -> None:
    assert parse_at("-5m", NOW) == NOW - timedelta(minutes=5)
    assert parse_at("-1h30m", NOW) == NOW - timedelta(minutes=90)
    assert parse_at("@00:02", NOW) == NOW - timedelta(minutes=8)
    assert parse_at("23:55", NOW) == NOW - timedelta(minutes=15)  # yesterday
    berlin = ZoneInfo("Europe/Berlin")
    assert parse_at("01:05", NOW, berlin) == NOW - timedelta(minutes=5)
    assert parse_at("2026-11-22T12:00Z", NOW) == datetime(2026, 11, 22, 12, tzinfo=UTC)
    for bad in ("soon", "25:99", "-", "2030-01-01T00:00Z"):
        with pytest.raises(TimeParseError):
            parse_at(bad, NOW)


def test_incident_ids_count_per_day() -> None:
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    assert next_incident_id([], now) == "INC-20261123-1"
    assert next_incident_id(["INC-20261123-1", "INC-20261123-7", "INC-20261122-9"], now) == (
        "INC-20261123-8"
    )


def test_inert_shows_escapes() -> None:
    assert inert("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert inert("two\nlines", single_line=True) == "two ⏎ lines"
