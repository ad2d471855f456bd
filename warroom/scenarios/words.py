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
