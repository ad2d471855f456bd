"""Getting clean text out of a runbook file: decoding, mojibake repair, control characters.

Runbooks get pasted through tools that decode UTF-8 with the wrong code page. Two kinds
are common and both are repaired:

- UTF-8 read as Windows-1252 (or a sibling code page): "ðŸš¨" for 🚨, "â†’" for →. ftfy
  knows these and how to undo them; it is used with its text-changing extras turned off
  (quotes stay curly, HTML entities stay as written).
- UTF-8 read as Mac Roman: "‚úÖ" for ✅, "‚Üí" for →. ftfy's heuristics miss many of
  these, so each run of non-ASCII characters is put back through mac_roman and decoded as
  UTF-8, and the result is kept only when it decodes cleanly into symbols, punctuation,
  emoji or Latin letters: text that was never mangled ("naïve", "“Éric”") is left alone.

Windows-1252 has five unassigned bytes, and a misreading usually drops them ("ðŸ”" is
🔍 missing its last byte). ftfy's guess for those (a no-break space) invents a character,
so it is turned off; such a run is decoded as far as it goes and the lost character
becomes U+FFFD, which says plainly that something was lost.

Control characters (terminal escapes included) are removed: runbook text is shown in a
terminal and must never drive it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

# A run of characters outside ASCII; mojibake of one UTF-8 sequence never contains ASCII.
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
# Categories a repaired Mac Roman run may decode to (symbols, punctuation, marks used by
# emoji, format characters such as ZWJ, Latin letters).
_REPAIRED_OK = {"So", "Sm", "Sk", "Sc", "Pd", "Pi", "Pf", "Po", "Ps", "Pe", "Zs", "Cf"}
_WINDOWS_CODECS = ("sloppy-windows-1252", "sloppy-windows-1254")
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    restore_byte_a0=False,
    decode_inconsistent_utf8=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    fix_line_breaks=True,
    normalization="NFC",
    explain=True,
)


class RunbookTextError(ValueError):
    """A file that is not a text runbook (binary, empty)."""


@dataclass
class RepairReport:
    """What was done to the text: which encodings were undone, how many lines changed."""

    decoded_as: str = "utf-8"
    fixes: list[str] = field(default_factory=list)
    lines_repaired: int = 0
    lines_not_utf8: int = 0
    c1_lines: int = 0

    def describe(self) -> list[str]:
        notes = []
        if self.decoded_as != "utf-8":
            notes.append(f"the file is not UTF-8; read it as {self.decoded_as}")
        elif self.lines_not_utf8:
            notes.append(f"{self.lines_not_utf8} line(s) are not UTF-8; read them as Windows-1252")
        if self.c1_lines:
            notes.append(
                f"C1 control characters read as Windows-1252 punctuation on {self.c1_lines} line(s)"
            )
        if self.fixes:
            kinds = ", ".join(dict.fromkeys(self.fixes))
            notes.append(f"repaired mojibake ({kinds}) on {self.lines_repaired} line(s)")
        return notes


def decode_runbook(data: bytes) -> tuple[str, RepairReport]:
    """Decoded, repaired, control-free text of a runbook file, or RunbookTextError."""
    report = RepairReport()
    if not data.strip():
        raise RunbookTextError("the file is empty")
    if b"\x00" in data or _looks_binary(data):
        raise RunbookTextError("binary file, not a Markdown runbook")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = _decode_lines(data.removeprefix(b"\xef\xbb\xbf"), report)
    text = repair_text(text, report)
    if not text.strip():
        raise RunbookTextError("the file has no text")
    return text, report


def _decode_lines(data: bytes, report: RepairReport) -> str:
    """Each line as UTF-8 when it is, else as Windows-1252.

    A UTF-8 file with one pasted Windows-1252 line keeps its clean lines clean: decoding
    the whole file as Windows-1252 would turn every accent of them into mojibake.
    """
    out = []
    utf8_lines = 0
    for line in data.split(b"\n"):
        try:
            out.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            report.lines_not_utf8 += 1
    if not utf8_lines:
        report.decoded_as = "Windows-1252"
    return "\n".join(out)


def repair_text(text: str, report: RepairReport | None = None) -> str:
    """The text with mojibake undone and control characters removed; clean text unchanged."""
    report = report if report is not None else RepairReport()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    repaired = []
    for line in lines:
        fixed = _repair_line(line, report)
        if fixed != line:
            report.lines_repaired += 1
        repaired.append(strip_controls(fixed))
    return "\n".join(repaired)


def strip_controls(text: str) -> str:
    """Remove control characters (keep newline and tab); odd line separators become spaces."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif ch in "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85":
            out.append(" ")
        elif unicodedata.category(ch) not in {"Cc", "Cs"}:
            out.append(ch)
    return "".join(out)


def looks_like_mojibake(text: str) -> bool:
    """True when the text still holds a sequence that a wrong decode typically produces."""
    if ftfy.badness.is_bad(text):
        return True
    return any(_fix_run(run) is not None for run in _NON_ASCII_RUN.findall(text))


def _repair_line(line: str, report: RepairReport) -> str:
    if line.isascii():
        return line
    fixed, explanation = ftfy.fix_and_explain(line, config=_FTFY_CONFIG)
    steps = list(explanation or ())
    for index, step in enumerate(steps):
        if step[0] != "encode":
            continue
        decoded = steps[index + 1][1] if index + 1 < len(steps) else ""
        if decoded.replace("-", "").lower().startswith("utf8"):
            report.fixes.append(f"UTF-8 read as {_codec_name(step[1])}")
        else:
            # C1 control characters standing for Windows-1252 punctuation: not mojibake.
            report.c1_lines += 1

    def replace(match: re.Match[str]) -> str:
        repaired = _fix_run(match[0])
        if repaired is None:
            return match[0]
        report.fixes.append(repaired[1])
        return repaired[0]

    return _NON_ASCII_RUN.sub(replace, fixed)


def _fix_run(run: str) -> tuple[str, str] | None:
    """(repaired text, what it was) for a run of mojibake, or None for genuine text."""
    try:
        candidate = run.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    else:
        if len(candidate) < len(run) and all(_plausible(ch) for ch in candidate):
            return candidate, "UTF-8 read as Mac Roman"
    for codec in _WINDOWS_CODECS:
        try:
            data = run.encode(codec)
        except UnicodeEncodeError:
            continue
        candidate = data.decode("utf-8", errors="replace")
        real = [ch for ch in candidate if ch != "\ufffd"]
        if len(candidate) >= len(run) or not all(_plausible(ch) for ch in real):
            continue
        lost = len(candidate) - len(real)
        if (real and lost <= len(real)) or (not real and _truncated_sequence(data)):
            return candidate, f"UTF-8 read as {_codec_name(codec)}"
    return None


def _codec_name(codec: str) -> str:
    """'sloppy-windows-1252' -> 'Windows-1252', 'macroman' -> 'Mac Roman'."""
    if codec.replace("_", "") in {"macroman", "macintosh"}:
        return "Mac Roman"
    return codec.removeprefix("sloppy-").replace("windows", "Windows").replace("latin", "Latin")


def _plausible(ch: str) -> bool:
    """A character that mojibake repair may produce: symbols, emoji, Latin letters."""
    category = unicodedata.category(ch)
    if category in _REPAIRED_OK or ch in "\ufe0f\ufe0e\u200d":
        return True
    return category.startswith("L") and "LATIN" in unicodedata.name(ch, "")


def _truncated_sequence(data: bytes) -> bool:
    """A UTF-8 sequence missing its last byte, in the shapes wrong decodes leave behind.

    An emoji's four bytes less one, or a punctuation/symbol character (lead byte E2: quotes,
    dashes, arrows, box drawing) less one: "â€" is ” without its lost last byte.
    """
    if not data or not all(0x80 <= byte <= 0xBF for byte in data[1:]):
        return False
    return (len(data) == 3 and 0xF0 <= data[0] <= 0xF4) or (len(data) == 2 and data[0] == 0xE2)


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\n\r\t\f\b\x1b")
    return controls > max(8, len(sample) // 20)
