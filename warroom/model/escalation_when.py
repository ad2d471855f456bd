"""Reading a runbook's "when" of an escalation into a trigger, or refusing it.

Runbooks say when to escalate in words: "Immediately", "After 15 minutes", "Escalate after
30 minutes without progress", "At 30 min mark", "Incident exceeds estimated resolution
time by 2x", "Severity level increases (P2 → P1 → P0)", "15 minutes". `parse_when` reads
the forms it is sure of into a `Trigger` and returns None for anything else ("When
notified", "If Zeabur/DB provider issue", "When the security team cannot be reached"):
those are listed as unreadable by `warroom scenarios show`, never guessed.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class Start(StrEnum):
    """The milestone a trigger's clock starts at."""

    DECLARED = "declared"  # "after 15 minutes": from the declaration
    IMPACT = "impact"  # "at the 30-minute mark", "2x the resolve target": from the impact's start
    SEVERITY = "severity"  # "on P0", "severity rises": from the change that reached it
    DETECTED = "detected"  # the ladder's response time: from detection


@dataclass(frozen=True)
class Trigger:
    """When an escalation falls due: `delay` (or `resolve_factor` x the resolve target of the
    current severity) after the `start` milestone.

    severity: with `Start.SEVERITY`, the level the incident must reach (at least); "" means
      any rise of the severity (each rise is a new escalation).
    until_ic: the ladder's acknowledge-by rule: satisfied once an IC is assigned.
    """

    start: Start
    delay: timedelta = timedelta(0)
    resolve_factor: float | None = None
    severity: str | None = None
    until_ic: bool = False

    def describe(self) -> str:
        """'after 15m', 'immediately', 'at 2x the resolve target', 'on reaching P0'."""
        if self.resolve_factor is not None:
            factor = f"{self.resolve_factor:g}x " if self.resolve_factor != 1 else ""
            return f"at {factor}the resolve target"
        if self.until_ic:
            return "no IC within the response time"
        if self.start is Start.SEVERITY:
            reach = f"on reaching {self.severity}" if self.severity else "on each severity rise"
            return reach if not self.delay else f"{_span(self.delay)} after {reach[3:]}"
        if not self.delay:
            return "immediately"
        if self.start is Start.IMPACT:
            return f"at the {_span(self.delay)} mark"
        return f"after {_span(self.delay)}"


def _span(delay: timedelta) -> str:
    seconds = delay.total_seconds()
    if 0 < seconds < 60:
        return f"{seconds:g}s"  # a drill's scaled minutes
    minutes = seconds / 60
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes / 60:g}h"
    return f"{minutes:g}m"


_UNITS = {
    "s": 1 / 60,
    "sec": 1 / 60,
    "secs": 1 / 60,
    "second": 1 / 60,
    "seconds": 1 / 60,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "h": 60,
    "hr": 60,
    "hrs": 60,
    "hour": 60,
    "hours": 60,
}
_AMOUNT = r"(\d+(?:\.\d+)?)"
_UNIT = r"(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)"
_DURATION = rf"{_AMOUNT}\s*-?\s*{_UNIT}\b"
_NUMBER_WORDS = {"twice": 2.0, "double": 2.0, "three times": 3.0, "triple": 3.0}

_IMMEDIATE = re.compile(r"^(?:escalate\s+)?(?:immediately|immediate|at once|right away|asap|now)$")
_MARK = re.compile(rf"^(?:at\s+)?(?:the\s+)?{_DURATION}\s+mark$")
_AT_MINUTES = re.compile(rf"^at\s+{_DURATION}$")
_AFTER = re.compile(
    rf"^(?:escalate\s+)?(?:after|within|in|by|past|over|if not (?:resolved|fixed|mitigated) "
    rf"(?:in|within|after)|not resolved (?:in|within|after))\s+{_DURATION}(?P<rest>.*)$"
)
_BARE = re.compile(rf"^{_DURATION}$")
_SHORT = re.compile(r"^(\d+(?:\.\d+)?)([smh])$")
_FACTOR = re.compile(
    r"(?:(\d+(?:\.\d+)?)\s*x|(twice|double|triple|three times))\b.*\b(?:resol\w*|sla)\b"
    r"|\b(?:resol\w*|sla)\b.*?\bby\s+(?:(\d+(?:\.\d+)?)\s*x|(twice|double|triple))"
    r"|\b(?:resol\w*|sla)\b.*?(?:(\d+(?:\.\d+)?)\s*x|(twice|double|triple))"
)
_TARGET_PASSED = re.compile(
    r"^(?:(?:when|if|once)\s+)?(?:the\s+)?(?:resolve|resolution)\s+(?:target|time|sla)\s+"
    r"(?:is\s+)?(?:passed|exceeded|missed|breached)$"
)
_SEVERITY_RISE = re.compile(
    r"^(?:(?:when|if|on)\s+)?(?:the\s+)?severity(?:\s+level)?\s+"
    r"(?:increases|rises|goes up|is raised)"
    r"(?:\s+to\s+(?P<to>[a-z]+-?\d))?(?:\s*\((?P<chain>[^)]*)\))?$"
)
_ON_SEVERITY = re.compile(
    r"^(?:(?:on|at|when|if)\s+)?(?:the\s+)?(?:severity\s+)?"
    r"(?:(?:rises|rising|raised|goes up)\s+to\s+)?"
    r"(?P<level>(?:p|sev-?)\d)(?:\s+(?:or (?:worse|higher|above)|incident|declared))?$"
)


def _minutes(amount: str, unit: str) -> timedelta:
    return timedelta(minutes=float(amount) * _UNITS[unit])


def _normal(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("→", "->")
    text = re.sub(r"[*_`]", "", text)
    text = re.sub(r"\s+", " ", text).strip(" .;:!")
    return text


def parse_when(text: str) -> Trigger | None:
    """The trigger `text` states, or None when it states none we can read for certain."""
    when = _normal(text)
    if not when:
        return None
    if _IMMEDIATE.match(when):
        return Trigger(Start.DECLARED)
    if match := _MARK.match(when) or _AT_MINUTES.match(when):
        return Trigger(Start.IMPACT, _minutes(match[1], match[2]))
    if match := _AFTER.match(when):
        rest = match["rest"].strip()
        if rest and not re.match(
            r"^(?:without (?:progress|resolution|a fix|mitigation)|of (?:no progress|impact)"
            r"|with no progress|unresolved|if (?:not|un)resolved|no progress)$",
            rest,
        ):
            return None
        return Trigger(Start.DECLARED, _minutes(match[1], match[2]))
    if match := _BARE.match(when):
        return Trigger(Start.DECLARED, _minutes(match[1], match[2]))
    if match := _SHORT.match(when):
        return Trigger(Start.DECLARED, _minutes(match[1], match[2]))
    if _TARGET_PASSED.match(when):
        return Trigger(Start.IMPACT, resolve_factor=1.0)
    if match := _FACTOR.search(when):
        figure = next(group for group in match.groups() if group)
        factor = _NUMBER_WORDS.get(figure) or float(figure)
        if factor <= 0:
            return None
        return Trigger(Start.IMPACT, resolve_factor=factor)
    if match := _SEVERITY_RISE.match(when):
        return Trigger(Start.SEVERITY, severity=_level(match["to"]) if match["to"] else "")
    if match := _ON_SEVERITY.match(when):
        return Trigger(Start.SEVERITY, severity=_level(match["level"]))
    return None


def _level(text: str) -> str:
    """'p0' -> 'P0', 'sev1' / 'sev-1' -> 'SEV-1'."""
    text = text.strip().upper()
    if text.startswith("SEV"):
        return "SEV-" + text.removeprefix("SEV").lstrip("-")
    return text


_SEVERITY_IN_TEXT = re.compile(r"\b(p\d|sev-?\d)\b")


def severity_named(situation: str) -> str | None:
    """The severity a matrix row's situation names ("P0 incident" -> "P0"), if exactly one."""
    found = {_level(m) for m in _SEVERITY_IN_TEXT.findall(situation.casefold())}
    return found.pop() if len(found) == 1 else None


def parse_after(value: object) -> Trigger | None:
    """A config `after`: minutes as a number, '15m' / '2h', or any phrase `parse_when` reads."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Trigger(Start.DECLARED, timedelta(minutes=float(value))) if value >= 0 else None
    if not isinstance(value, str):
        return None
    return parse_when(value)
