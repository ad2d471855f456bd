"""Mojibake repair and decoding of runbook files."""

from __future__ import annotations

import pytest

from warroom.scenarios.text_repair import (
    RepairReport,
    RunbookTextError,
    decode_runbook,
    looks_like_mojibake,
    repair_text,
    strip_controls,
)

GENUINE = [
    "naïve café",
    "“Éric” déjà vu",
    "“émigré”",
    "Straße, Ærø, Øresund",
    "日本語のテキスト 🚨",
    "→ ✅ ⚠️ — …",
    "plain ASCII, 100% [ok]",
]


@pytest.mark.parametrize("text", GENUINE)
def test_clean_text_is_unchanged(text: str) -> None:
    report = RepairReport()
    assert repair_text(text, report) == text
    assert report.fixes == [] and report.lines_repaired == 0
    assert not looks_like_mojibake(text)


@pytest.mark.parametrize(
    "clean",
    ["🚨 INCIDENT ALERT", "Dashboard → Deployments", "✅ DO:", "⏱️ FIRST 5 MINUTES", "café ≤ 3 min"],
)
@pytest.mark.parametrize("codec", ["mac_roman", "sloppy-windows-1252"])
def test_utf8_misread_as_mac_roman_or_windows_1252_round_trips(clean: str, codec: str) -> None:
    mangled = clean.encode("utf-8").decode(codec)
    assert mangled != clean and looks_like_mojibake(mangled)
    report = RepairReport()
    assert repair_text(mangled, report) == clean
    assert report.lines_repaired == 1 and report.fixes


def test_the_issue_examples() -> None:
    assert repair_text("ðŸš¨") == "🚨"
    assert repair_text("‚úÖ") == "✅"
    assert repair_text("ğŸš¨ INCIDENT") == "🚨 INCIDENT"  # the Turkish code page's variant


def test_mixed_lines_and_line_endings() -> None:
    text = "ok line\r\nâ†’ arrow\rcafé\n‚úÖ done"
    assert repair_text(text) == "ok line\n→ arrow\ncafé\n✅ done"


def test_control_characters_are_removed() -> None:
    assert strip_controls("a\x1b[2Jb\x07c\td\ne\u2028f\x00") == "a[2Jbc\td\ne f"
    assert repair_text("red \x1b[31malert\x1b[0m") == "red [31malert[0m"


def test_decode_refuses_binary_and_empty_files() -> None:
    with pytest.raises(RunbookTextError, match="empty"):
        decode_runbook(b"")
    with pytest.raises(RunbookTextError, match="binary"):
        decode_runbook(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
    with pytest.raises(RunbookTextError, match="binary"):
        decode_runbook(bytes([1, 2, 3, 4, 5, 6, 14, 15, 16, 17, 18, 19, 20]) * 10)


def test_decode_reads_legacy_code_pages_and_bom() -> None:
    text, report = decode_runbook("# Caf\xe9 down\n".encode("cp1252"))
    assert text == "# Café down\n" and report.decoded_as == "Windows-1252"
    assert report.describe() == ["the file is not UTF-8; read it as Windows-1252"]
    text, report = decode_runbook("\ufeff# Title\n".encode())
    assert text == "# Title\n" and report.describe() == []


def test_a_pasted_windows_1252_line_leaves_the_clean_utf8_lines_alone() -> None:
    data = "# Café down\n\n- Relancer le serveur — vite\n".encode() + b"- Call \x93ops\x94 now\n"
    text, report = decode_runbook(data)
    assert text == "# Café down\n\n- Relancer le serveur — vite\n- Call “ops” now\n"
    assert report.describe() == ["1 line(s) are not UTF-8; read them as Windows-1252"]


@pytest.mark.parametrize(
    "clean",
    [
        "Température 25 °C — “ok” … 5 €",  # UTF-8 bytes 0x80-0x9F in every other character
        "Ångström ½ × ÷ ¿ ¡ · ª º ¼",
        "Łódź → ✅ ⚠️ 🚨",
    ],
)
def test_clean_text_with_c1_looking_bytes_is_not_reported(clean: str) -> None:
    data = f"# {clean}\n".encode()
    assert any(0x80 <= byte <= 0x9F for byte in data)
    text, report = decode_runbook(data)
    assert text == f"# {clean}\n" and report.describe() == []


def test_c1_controls_are_said_to_be_read_as_punctuation_not_mojibake() -> None:
    text, report = decode_runbook("# don\u0092t restart\n".encode())
    assert text == "# don’t restart\n"
    assert report.describe() == [
        "C1 control characters read as Windows-1252 punctuation on 1 line(s)"
    ]
