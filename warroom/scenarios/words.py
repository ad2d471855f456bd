"""Word tests and tidying for runbook headings and labels (used by the importer).

Titles are compared by their words, case-folded, punctuation dropped, so "Common Causes &
Fixes:" contains the keyword "cause" (plurals count) and "Root-cause" does too.
"""

from __future__ import annotations

import unicodedata

from warroom.scenarios.text_repair import strip_controls


def words_of(text: str) -> str:
    """' lower case words ' of a title, for keyword tests."""
    folded = "".join(ch if ch.isalnum() else " " for ch in text.casefold())
    return " " + " ".join(folded.split()) + " "


def has_word(text: str, keywords: tuple[str, ...]) -> bool:
    """True when a keyword (or its plural) is one of the words of `text`."""
    return matched_word(text, keywords) is not None


def matched_word(text: str, keywords: tuple[str, ...]) -> str | None:
    """The first keyword (or its plural) found among the words of `text`."""
    haystack = words_of(text)
    for word in keywords:
        if f" {word} " in haystack or f" {word}s " in haystack or f" {word}es " in haystack:
            return word
    return None


def tidy(text: str) -> str:
    """Strip decoration a heading wears (leading emoji, trailing colon); keep the words."""
    text = strip_controls(text).strip()
    while text and not (text[0].isalnum() or text[0] in "([\"'`<$/.~"):
        if unicodedata.category(text[0])[0] not in "SPZM":
            break
        text = text[1:].lstrip()
    return text.rstrip(":").strip()


def slugify(text: str, limit: int = 48) -> str:
    """An id from a title: ASCII letters and digits joined by '-', cut at a word boundary."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    slug = "-".join("".join(ch if ch.isalnum() else " " for ch in folded).split())
    if len(slug) <= limit:
        return slug
    head = slug[: limit + 1]
    cut = head.rsplit("-", 1)[0] if "-" in head else ""
    return cut if len(cut) >= limit // 2 else slug[:limit].rstrip("-")


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of `words` (long lists read better as text)."""
    return frozenset(words.split())


# Imperative verbs that open a runbook step ("Restart the workers", "If the queue grows...").
ACTION_VERBS = word_set(
    """
    acknowledge ack activate add alert allow analyze announce apply archive ask assess assign
    attach avoid back backfill block bounce bump call cancel capture change check checkout
    clean clear click close collect communicate compare confirm connect contact contain copy
    cordon create curl declare decrease delete deploy describe determine disable disconnect
    do document don't download drain drop dump edit email enable ensure escalate evacuate
    evict examine execute export extend fail failover fetch file find fix flip flush follow
    force gather get go grant grep halt hand identify if increase inform inspect install
    investigate invoke isolate keep kill label launch let list load lock log login look
    lower make mark measure merge message migrate mitigate monitor mount move mute navigate
    never note notify observe open page patch pause ping pin place post preserve prevent
    promote pull purge push query raise re-run read rebalance reboot rebuild record recover
    recreate redeploy reduce refresh regenerate reindex reissue reload remove renew reopen
    repair replace replay report request rerun reset resize resolve restart restore resume
    retry revert review revoke roll rollback rotate run scale schedule scroll search select
    send set shut silence skip snapshot snooze ssh start stop submit suspend switch sync tag
    tail take tell terminate test throttle toggle trace track trigger triage truncate try
    turn type unblock uncordon unlock unmute unpin update upgrade upload use vacuum validate
    verify visit wait wake watch when write
    """
)

# Words in a heading that name a failure ("Database down", "Replica lag", "Disk full").
FAILURE_WORDS = (
    "down", "outage", "fail", "failing", "failed", "failure", "error", "crash", "crashing",
    "crashloop", "crashlooping", "crashloopbackoff", "full", "high", "slow", "slowness",
    "latency", "lag", "lagging", "stuck", "leak", "leaking", "exhausted", "exhaustion",
    "unavailable", "unreachable", "timeout", "timing out", "expired", "expiring", "broken",
    "degraded", "degradation", "not ready", "notready", "not responding", "unresponsive",
    "spike", "spiking", "saturated", "saturation", "backlog", "loss", "lost", "corrupt",
    "corrupted", "corruption", "breach", "compromised", "oom", "oomkilled", "killed",
    "offline", "missing", "won t", "cannot", "can t", "not working", "not running",
    "refused", "rejected", "denied", "5xx", "4xx", "500", "502", "503", "504", "deadlock",
    "overload", "overloaded", "throttled", "throttling", "flapping", "split brain", "stale",
    "growing", "restarting", "evicted", "attack", "ddos", "exceeded", "low", "drop",
    "dropping", "stopped", "hung", "hanging", "misbehave", "misbehaving", "rate limited",
    "bounce", "bouncing", "invalid", "wrong", "never", "not",
)  # fmt: skip

# Prefixes that name what follows as an incident ("Incident: X", "Alert - X", "Runbook: X").
INCIDENT_PREFIXES = ("incident", "alert", "runbook", "playbook", "scenario", "problem", "case")


def camel_words(text: str) -> str:
    """'KubePodCrashLooping' -> 'Kube Pod Crash Looping' (alert names are CamelCase)."""
    out: list[str] = []
    for index, ch in enumerate(text):
        previous = text[index - 1] if index else ""
        if ch.isupper() and previous.islower():
            out.append(" ")
        out.append(ch)
    return "".join(out)


def failure_word(title: str) -> str | None:
    """The word of a heading that names a failure, if one does."""
    found = matched_word(title, FAILURE_WORDS)
    if found is None and any(ch.isupper() for ch in title[1:]):
        split = camel_words(title)
        found = matched_word(split, FAILURE_WORDS) or matched_word(
            split.replace(" ", ""), FAILURE_WORDS
        )
        if found is None and "crash" in split.casefold():
            found = "crash"
    return found


def starts_with_verb(text: str) -> bool:
    """True when the text opens with an imperative verb ("Restart", "**Check** the...")."""
    words = words_of(strip_ordinal_prefix(text)).split()
    return bool(words) and words[0] in ACTION_VERBS


def strip_ordinal_prefix(text: str) -> str:
    """'1. Check', '1) Check', 'Step 1: Check', '1️⃣ Check' -> 'Check'."""
    text = text.strip()
    head, _, tail = text.partition(" ")
    if head.casefold() in {"step", "phase", "stage"}:
        number, _, rest = tail.partition(" ")
        if number.rstrip(":.)-").isdigit():
            return rest.lstrip(":-–— ").strip() or text
    core = head.rstrip(".):-").replace("\ufe0f", "").replace("\u20e3", "")
    if tail and core.isdigit() and len(core) <= 3 and core != head:
        return tail.lstrip(":-–— ").strip()
    if tail and head.replace("\ufe0f", "").endswith("\u20e3"):
        return tail.strip()
    return text


def strip_incident_prefix(title: str) -> tuple[str, str | None]:
    """('Disk full', 'Alert') for 'Alert: Disk full' or 'Alert - Disk full'."""
    for separator in (":", " - ", " – ", " — "):
        head, found, tail = title.partition(separator)
        if found and tail.strip() and head.strip().casefold() in INCIDENT_PREFIXES:
            return tail.strip(), head.strip()
    return title, None
