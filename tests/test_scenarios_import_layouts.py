"""The importer on runbooks laid out differently, on bad input, and on arbitrary Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warroom.model.scenario import CauseFix, Contact, Scenario
from warroom.scenarios import dump_scenario, load_paths, parse_scenario_text
from warroom.scenarios.importer import (
    RunbookImportError,
    import_runbook,
    import_runbook_bytes,
    write_scenarios,
)
from warroom.scenarios.text_repair import looks_like_mojibake

FIXTURES = Path(__file__).parent / "fixtures" / "runbooks"


def imported(name: str) -> dict[str, Scenario]:
    result = import_runbook(FIXTURES / name, prefix="")
    return {scenario.id: scenario for scenario in result.scenarios}


def from_text(text: str, **kwargs: str) -> dict[str, Scenario]:
    result = import_runbook_bytes(text.encode("utf-8"), "test.md", **kwargs)
    return {scenario.id: scenario for scenario in result.scenarios}


def steps(scenario: Scenario, phase: str) -> list[tuple[str, tuple[str, ...]]]:
    found = scenario.phase(phase)
    assert found is not None, [p.id for p in scenario.phases]
    return [(step.text, step.commands) for step in found.steps]


def test_numbered_procedures_with_nested_code(tmp_path: Path) -> None:
    scenarios = imported("numbered-procedures.md")
    assert list(scenarios) == ["general", "redis-memory-full", "replica-lag"]
    memory = scenarios["redis-memory-full"]
    assert memory.summary == "Redis refuses writes once maxmemory is reached."
    assert memory.symptoms == (
        "`OOM command not allowed` errors in the API log",
        "Cache hit ratio drops below 50%",
    )
    assert steps(memory, "diagnosis") == [
        ("Check memory use:", ('redis-cli -u "$REDIS_URL" INFO memory',)),
        ("List the biggest keys:", ('redis-cli -u "$REDIS_URL" --bigkeys',)),
        ("Compare with the eviction policy in the config.", ()),
    ]
    assert [s.id for s in memory.steps()][:2] == ["diagnosis-1", "diagnosis-2"]
    lag = scenarios["replica-lag"]
    assert steps(lag, "diagnosis") == [
        ("Compare replication offsets", ('redis-cli -u "$REDIS_URL" INFO replication',)),
        ("Check the replica's network", ("ping -c 5 replica.internal",)),
    ]
    general = scenarios["general"]
    assert general.title == "Cache Service Runbook"
    assert [s.text for s in general.steps()] == [
        "Page the cache owner.",
        "Open an incident channel.",
        "Post the first update within 15 minutes.",
    ]
    write_scenarios(import_runbook(FIXTURES / "numbered-procedures.md"), tmp_path)
    catalogue = load_paths([tmp_path])
    assert catalogue.problems == []
    assert catalogue.get("numbered-procedures-redis-memory-full") is not None


def test_checkboxes_labels_and_cause_fix_tables() -> None:
    scenarios = imported("checkboxes-and-tables.md")
    assert list(scenarios) == ["general", "checkout-failing", "refunds-stuck"]
    checkout = scenarios["checkout-failing"]
    assert checkout.symptoms == ('customers see "card declined" for valid cards',)
    assert [s.text for s in checkout.phase("checks").steps] == [
        "Look at the decline codes in the provider dashboard",
        "Compare the error rate with yesterday",
    ]
    assert checkout.causes == (
        CauseFix("Provider outage", "Wait, post a banner"),
        CauseFix("Expired API key", "Rotate `PAY_KEY` and redeploy"),
        CauseFix("Fraud rules too strict", "Relax the rule set"),
    )
    assert checkout.phase("mitigation").steps[0].text == ("Switch checkout to the backup provider")
    refunds = scenarios["refunds-stuck"]  # plain "Symptoms:" and "Steps:" lines, no bold
    assert refunds.symptoms == ('Refunds stay "pending" for more than a day',)
    assert [s.text for s in refunds.steps()] == [
        "Re-run the refund job",
        "Tell support which orders are affected",
    ]
    general = scenarios["general"]
    assert general.phases[0].steps[0].text == "Acknowledge in #payments-oncall"
    assert Contact("Payments lead", "@pay-lead") in general.contacts


def test_headings_at_any_depth_and_inline_symptoms() -> None:
    result = import_runbook(FIXTURES / "deep-headings.md", prefix="ops")
    scenarios = {s.id: s for s in result.scenarios}
    assert list(scenarios) == ["ops-disk-almost-full", "ops-inode-exhaustion"]
    disk = scenarios["ops-disk-almost-full"]
    assert steps(disk, "mitigation") == [
        ("Rotate and compress the logs", ("logrotate -f /etc/logrotate.conf",)),
        ("Remove old build artifacts", ("find /srv/builds -mtime +14 -delete",)),
    ]
    assert disk.phase("investigation").steps[0].commands == (
        "df -h\ndu -sh /var/log/* | sort -h | tail",
    )
    inodes = scenarios["ops-inode-exhaustion"]
    assert inodes.symptoms == ("`df -i` shows 100% use while `df -h` looks fine.",)
    assert len(inodes.phase("resolution").steps) == 2
    assert any("'Severity levels'" in str(skip) for skip in result.skipped)


def test_front_matter_crlf_escapes_and_entities_are_handled() -> None:
    text = (
        "---\r\ntitle: Runbook\r\ntags: [a]\r\n---\r\n"
        "# Queue backlog\r\n\r\n**Symptoms:** jobs wait \x1b[31mfor hours&#27;[0m\r\n\r\n"
        "**Fix:**\r\n\r\n1. Scale the workers\r\n"
    )
    scenarios = from_text(text)
    (backlog,) = scenarios.values()
    assert backlog.id == "queue-backlog"
    (symptom,) = backlog.symptoms
    assert symptom.startswith("jobs wait [31mfor hours") and "\x1b" not in symptom
    assert [s.text for s in backlog.steps()] == ["Scale the workers"]


def test_mac_roman_and_cp1252_mojibake_are_repaired() -> None:
    clean = "# ✅ Disk full → act\n\n**Symptoms:** “disk” at 95% ⚠️\n\n**Fix:**\n\n- Purge logs 🧹\n"
    for codec in ("mac_roman", "sloppy-windows-1252"):
        mangled = clean.encode("utf-8").decode(codec)
        assert mangled != clean
        result = import_runbook_bytes(mangled.encode("utf-8"), "m.md")
        (scenario,) = result.scenarios
        assert scenario.title == "Disk full → act", codec
        assert scenario.symptoms == ("“disk” at 95% ⚠️",), codec
        assert [s.text for s in scenario.steps()] == ["Purge logs 🧹"], codec
        assert result.notes and "repaired mojibake" in result.notes[0]


def test_bytes_lost_by_a_cp1252_decode_are_marked_not_guessed() -> None:
    # Windows-1252 has no character for 0x9D or 0x8F: a strict decode drops them.
    clean = "# Disk full\n\n**Symptoms:** “disk” at 95% ⚠️ 🔍\n\n**Fix:**\n\n- Purge logs\n"
    mangled = clean.encode("utf-8").decode("cp1252", errors="ignore")
    (scenario,) = import_runbook_bytes(mangled.encode("utf-8"), "m.md").scenarios
    (symptom,) = scenario.symptoms
    assert symptom == "“disk\ufffd at 95% ⚠\ufffd \ufffd"
    assert not looks_like_mojibake(symptom)


def test_clean_text_is_left_alone() -> None:
    text = (
        "# Naïve café outage\n\n**Symptoms:** “Éric” sees déjà-vu errors — 日本語 🚨\n\n"
        "**Fix:**\n\n- Restart\n"
    )
    result = import_runbook_bytes(text.encode("utf-8"), "c.md")
    (scenario,) = result.scenarios
    assert scenario.title == "Naïve café outage"
    assert scenario.symptoms == ("“Éric” sees déjà-vu errors — 日本語 🚨",)
    assert result.notes == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n\t\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
        (bytes(range(256)) * 4, "binary file"),
        ((FIXTURES / "no-incidents.md").read_bytes(), "no incident sections found"),
        (b"# Symptoms\n\n- only a part, no incident\n", "no incident sections found"),
    ],
)
def test_bad_input_gets_one_clear_line(data: bytes, message: str) -> None:
    with pytest.raises(RunbookImportError) as caught:
        import_runbook_bytes(data, "bad.md")
    text = str(caught.value)
    assert text.startswith("bad.md: ") and message in text and "\n" not in text


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(RunbookImportError, match="cannot read"):
        import_runbook(tmp_path / "nope.md")
    with pytest.raises(RunbookImportError, match="is a folder"):
        import_runbook(tmp_path)


def test_existing_files_are_not_overwritten_without_force(tmp_path: Path) -> None:
    result = import_runbook(FIXTURES / "numbered-procedures.md")
    write_scenarios(result, tmp_path)
    with pytest.raises(RunbookImportError, match="already exist"):
        write_scenarios(result, tmp_path)
    assert len(write_scenarios(result, tmp_path, force=True)) == 3


def test_an_incident_with_only_symptoms_is_reported_not_written() -> None:
    text = "# A\n\n## Symptoms\n\n- x\n\n## Fix\n\n1. do it\n\n# B\n\n## Symptoms\n\n- y\n"
    result = import_runbook_bytes(text.encode(), "t.md")
    assert [s.id for s in result.scenarios] == ["a"]
    assert any("incident 'B'" in str(skip) and "no steps" in str(skip) for skip in result.skipped)


# -- arbitrary Markdown -----------------------------------------------------------------

PIECES = [
    "# ", "## ", "#### ", "###### ", "Symptoms", "**Symptoms:**", "Investigation:", "**Fix:**",
    "Common causes", "Mitigation", "Contacts", "- ", "1. ", "- [ ] ", "* ", "> ", "```bash\n",
    "```sql\n-- step\n", "```\n", "~~~\n", "| Cause | Fix |\n|---|---|\n| a | b |\n",
    "| Role | Contact |\n|--|--|\n| x | y |\n", "# comment\n", "`code`", "[l](http://x.y)",
    "**", "→", "\x1b[2J", "&#27;", "&amp;", "\u2028", "\t", "<br>", "---\n", "ðŸš¨", "‚úÖ",
    "\r\n", "\n", "\n\n", "   ", "word", ":", "\\",
    "<!-- ", " -->", "!!! warning \"T\"\n    ", "> [!NOTE]\n", "**Disk full**\n\n", "===\n",
    "Incident: ", "Alert - ", "Step 1: ", "1) ", "Fix: ",
    "| Step | Command |\n|--|--|\n| 1 | `df -h` |\n",
    "<details>\n", "<summary>S</summary>\n", ":::note T\n", ":::\n",
    "Restart ", "`kubectl get pods`", "[/var]", "[bold]", "\u0092", "\ufeff", "Crash",
]  # fmt: skip
markdown = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=40).map(
    "".join
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markdown, prefix=st.sampled_from(["", "rb"]))
def test_arbitrary_markdown_never_crashes_and_always_validates(text: str, prefix: str) -> None:
    data = text.encode("utf-8", errors="surrogatepass")
    try:
        result = import_runbook_bytes(data, "fuzz.md", prefix)
    except RunbookImportError as error:
        assert "\n" not in str(error)
        return
    ids = [scenario.id for scenario in result.scenarios]
    assert len(ids) == len(set(ids))
    for scenario in result.scenarios:
        parsed, problems = parse_scenario_text(dump_scenario(scenario), f"{scenario.id}.toml")
        assert problems == [] and parsed == scenario


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    try:
        result = import_runbook_bytes(data, "bytes.md")
    except RunbookImportError:
        return
    for scenario in result.scenarios:
        assert parse_scenario_text(dump_scenario(scenario), "b.toml")[1] == []
