"""Reading the times responders type: `-5m`, `-1h30m`, `14:02`, `@14:02`, ISO 8601.

A bare clock time means today in the given zone, or yesterday when that would be in the
future (a responder at 00:10 logging "23:55" means five minutes ago). Times datetime
cannot hold (`-99999999h`, year 1 in a zone east of UTC) are refused like unreadable ones.

How far back a note may go is the incident's business, not the parser's:
`check_backdate` refuses a time more than `MAX_BEFORE_DECLARATION` before the incident
was declared (an alert that fired before declaring is plausible; a day before is a typo
or a clock time read as yesterday), and `describe_backdate` says which moment was
understood when it lies before the declaration.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from warroom.model.events import ensure_utc

_RELATIVE = re.compile(r"^-\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?$")
_CLOCK = re.compile(r"^@?([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")


class TimeParseError(ValueError):
    """A time the responder typed that we cannot read."""


MAX_BEFORE_DECLARATION = timedelta(hours=24)


def parse_at(text: str, now: datetime, zone: tzinfo | None = None) -> datetime:
    """The UTC moment `text` names, relative to `now`. Future times are refused."""
    try:
        return _parse_at(text, now, zone)
    except OverflowError:
        raise TimeParseError(f"time {text!r} is out of range") from None


def check_backdate(at: datetime, declared_at: datetime | None, text: str = "") -> None:
    """Refuse `at` when it is more than `MAX_BEFORE_DECLARATION` before the declaration."""
    if declared_at is None or at >= declared_at - MAX_BEFORE_DECLARATION:
        return
    typed = f"{text!r} means " if text else ""
    raise TimeParseError(
        f"time {typed}{_utc(at)}, more than 24 h before the incident was declared"
        f" ({_utc(declared_at)})"
    )


def describe_backdate(at: datetime, declared_at: datetime | None) -> str | None:
    """A sentence naming the moment understood when it lies before the declaration."""
    if declared_at is None or at >= declared_at:
        return None
    before = declared_at - at
    minutes = int(before.total_seconds() // 60)
    span = f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    return f"read as {_utc(at)}, {span} before the incident was declared ({_utc(declared_at)})"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(sep=" ", timespec="seconds")[:19] + " UTC"


def _parse_at(text: str, now: datetime, zone: tzinfo | None) -> datetime:
    raw = text.strip()
    zone = zone or UTC
    now = ensure_utc(now)
    relative = _RELATIVE.match(raw)
    if raw.startswith("-") and relative and any(relative.groups()):
        hours, minutes, seconds = (int(part or 0) for part in relative.groups())
        return now - timedelta(hours=hours, minutes=minutes, seconds=seconds)
    clock = _CLOCK.match(raw)
    if clock:
        local_now = now.astimezone(zone)
        moment = _on_clock(clock, local_now)
        if moment > local_now:
            moment -= timedelta(days=1)
        return moment.astimezone(UTC)
    moment = _iso_moment(raw, text, zone, "-5m, -1h30m, 14:02 or 2026-11-23T14:02Z")
    if moment > now + timedelta(seconds=5):
        raise TimeParseError(f"time {text!r} is in the future")
    return moment


MAX_AHEAD = timedelta(days=7)
_AHEAD = re.compile(r"^\+?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$")


def parse_ahead(text: str, now: datetime, zone: tzinfo | None = None) -> datetime:
    """A time to come: `+20m`, `30m`, `1h`, a clock time (the next one: `15:30`) or
    ISO 8601. Refuses times that are not in the future, or more than `MAX_AHEAD` away."""
    try:
        moment = _parse_ahead(text, now, zone)
    except OverflowError:
        raise TimeParseError(f"time {text!r} is out of range") from None
    if moment - ensure_utc(now) > MAX_AHEAD:
        raise TimeParseError(f"time {text!r} is more than 7 days ahead")
    return moment


def _parse_ahead(text: str, now: datetime, zone: tzinfo | None) -> datetime:
    raw = text.strip()
    zone = zone or UTC
    now = ensure_utc(now)
    ahead = _AHEAD.match(raw)
    if raw and ahead and any(ahead.groups()):
        hours, minutes = (int(part or 0) for part in ahead.groups())
        moment = now + timedelta(hours=hours, minutes=minutes)
    elif clock := _CLOCK.match(raw):
        local_now = now.astimezone(zone)
        moment = _on_clock(clock, local_now)
        if moment <= local_now:
            moment += timedelta(days=1)
        moment = moment.astimezone(UTC)
    else:
        moment = _iso_moment(raw, text, zone, "+30m, 1h, 15:30 or 2026-11-23T15:30Z")
    if moment <= now:
        raise TimeParseError(f"time {text!r} is not in the future")
    return moment


def _on_clock(clock: re.Match[str], local_now: datetime) -> datetime:
    """The typed clock time (`_CLOCK`) on `local_now`'s day, in its zone."""
    hour, minute, second = int(clock[1]), int(clock[2]), int(clock[3] or 0)
    return local_now.replace(hour=hour, minute=minute, second=second, microsecond=0)


def _iso_moment(raw: str, text: str, zone: tzinfo, forms: str) -> datetime:
    """An ISO 8601 time (read in `zone` when it names none), in UTC."""
    try:
        moment = datetime.fromisoformat(raw.lstrip("@").replace("Z", "+00:00"))
    except ValueError:
        raise TimeParseError(f"cannot read time {text!r} (use {forms})") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)
