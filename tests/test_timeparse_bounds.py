"""Times responders type, at the edges: out of range, the future, before the declaration."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from warroom.model.timeparse import (
    TimeParseError,
    check_backdate,
    describe_backdate,
    parse_at,
)

NOW = datetime(2026, 11, 30, 0, 5, 30, tzinfo=UTC)
DECLARED = datetime(2026, 11, 30, 0, 2, tzinfo=UTC)


def test_relative_clock_and_iso_times() -> None:
    assert parse_at("-1h2m3s", NOW) == NOW - timedelta(hours=1, minutes=2, seconds=3)
    assert parse_at("@00:05:10", NOW) == datetime(2026, 11, 30, 0, 5, 10, tzinfo=UTC)
    assert parse_at("00:05:30", NOW) == NOW  # now itself is today, not yesterday
    assert parse_at("23:59", NOW) == datetime(2026, 11, 29, 23, 59, tzinfo=UTC)
    berlin = timezone(timedelta(hours=1))
    assert parse_at("01:00", NOW, berlin) == datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    assert parse_at("@2026-11-29T10:00Z", NOW) == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert parse_at("2026-11-29T10:00", NOW, berlin) == datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    assert parse_at("2026-11-29T10:00Z", NOW).tzinfo is UTC
    assert parse_at("00:04", NOW, berlin).tzinfo is UTC
    assert parse_at(" -5m ", NOW) == NOW - timedelta(minutes=5)


def test_the_future_is_refused_beyond_five_seconds() -> None:
    assert parse_at((NOW + timedelta(seconds=5)).isoformat(), NOW) == NOW + timedelta(seconds=5)
    with pytest.raises(TimeParseError, match="in the future"):
        parse_at((NOW + timedelta(seconds=6)).isoformat(), NOW)


@pytest.mark.parametrize(
    "text", ["-99999999h", "-9999999999m", "0001-01-01T00:00+05:00", "9999-12-31T23:59-05:00"]
)
def test_times_datetime_cannot_hold_are_refused(text: str) -> None:
    with pytest.raises(TimeParseError, match=re.escape(f"time '{text}' is out of range")):
        parse_at(text, NOW)


def test_unreadable_times_say_what_is_readable() -> None:
    with pytest.raises(TimeParseError, match=r"cannot read time 'half past' \(use -5m"):
        parse_at("half past", NOW)


def test_a_backdate_may_reach_24_hours_before_the_declaration() -> None:
    check_backdate(DECLARED - timedelta(hours=24), DECLARED)
    check_backdate(DECLARED - timedelta(days=400), None)  # offline: not known, not checked
    with pytest.raises(TimeParseError) as refused:
        check_backdate(DECLARED - timedelta(hours=24, seconds=1), DECLARED, "-25h")
    assert str(refused.value) == (
        "time '-25h' means 2026-11-29 00:01:59 UTC, more than 24 h before the incident was"
        " declared (2026-11-30 00:02:00 UTC)"
    )
    with pytest.raises(TimeParseError, match=r"^time 0001-01-01 00:00:00 UTC, more than"):
        check_backdate(datetime(1, 1, 1, tzinfo=UTC), DECLARED)


def test_a_time_before_the_declaration_is_named() -> None:
    assert describe_backdate(DECLARED, DECLARED) is None
    assert describe_backdate(NOW, DECLARED) is None
    assert describe_backdate(None or DECLARED, None) is None
    assert describe_backdate(parse_at("23:59", NOW), DECLARED) == (
        "read as 2026-11-29 23:59:00 UTC, 3 min before the incident was declared"
        " (2026-11-30 00:02:00 UTC)"
    )
    assert describe_backdate(DECLARED - timedelta(hours=2, minutes=5), DECLARED) == (
        "read as 2026-11-29 21:57:00 UTC, 2 h 5 min before the incident was declared"
        " (2026-11-30 00:02:00 UTC)"
    )
    assert "60 min" not in (describe_backdate(DECLARED - timedelta(hours=1), DECLARED) or "")
    assert "1 h 0 min" in (describe_backdate(DECLARED - timedelta(hours=1), DECLARED) or "")


def test_a_clock_time_is_on_the_whole_second() -> None:
    now = NOW.replace(microsecond=123456)
    assert parse_at("00:05", now) == datetime(2026, 11, 30, 0, 5, tzinfo=UTC)
