"""Durations as people read them ('1h 05m', '12m 30s'): pure text, no incident needed
(the services pane's ages use it before any incident is read)."""

from __future__ import annotations

from datetime import timedelta


def format_duration(span: timedelta | None) -> str:
    """'1h 05m', '12m 30s', '45s', '2d 3h'; '-' for None."""
    if span is None:
        return "-"
    seconds = int(span.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{sign}{days}d {hours}h"
    if hours:
        return f"{sign}{hours}h {minutes:02d}m"
    if minutes:
        return f"{sign}{minutes}m {secs:02d}s"
    return f"{sign}{secs}s"
