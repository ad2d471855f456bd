"""The importer on fourteen runbook layouts seen in public runbooks (our own words).

Each fixture in tests/fixtures/runbooks/layouts/ copies only the shape of a public runbook
(named in docs/scenarios.md); the tests say which scenarios, steps and commands an IC gets.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from warroom.model.scenario import CauseFix, Contact, Scenario
from warroom.scenarios import load_paths
from warroom.scenarios.importer import (
    MAX_RUNBOOK_BYTES,
    MAX_SCENARIOS,
    ImportResult,
    RunbookImportError,
    import_runbook,
    import_runbook_bytes,
    write_scenarios,
)

LAYOUTS = Path(__file__).parent / "fixtures" / "runbooks" / "layouts"
REPO = Path(__file__).resolve().parent.parent


def load(name: str) -> ImportResult:
    return import_runbook(LAYOUTS / name, prefix="")


def by_id(name: str) -> dict[str, Scenario]:
    return {scenario.id: scenario for scenario in load(name).scenarios}


def texts(scenario: Scenario) -> list[str]:
    return [step.text for step in scenario.steps()]


def commands(scenario: Scenario) -> list[str]:
    return [command for step in scenario.steps() for command in step.commands]


def test_alert_with_meaning_impact_diagnosis_mitigation() -> None:
    (alert,) = by_id("alert-meaning-impact.md").values()
    assert alert.id == "queueconsumerstalled"
    assert [p.id for p in alert.phases] == ["diagnosis", "mitigation"]
    assert alert.summary.startswith("Meaning:\nThe order queue has had messages waiting")
    assert "\n\nImpact:\nOrders are accepted but not fulfilled" in alert.summary
    assert commands(alert) == [
        "rabbitmqctl list_queues name messages consumers",
        "kubectl logs deploy/order-consumer --since=1h | grep -i error",
        "kubectl rollout restart deploy/order-consumer",
    ]
    assert texts(alert)[-1] == "Tell support that delayed orders will go out within the hour."


def test_alert_template_with_quoted_metadata_and_numbered_subheadings() -> None:
    (alert,) = by_id("alert-template-quote-meta.md").values()
    assert alert.title == "WebhookDeliveryFailing"  # "Alert: " prefix dropped
    assert alert.symptoms == (
        "Retry queue for webhooks above 1,000 entries",
        "Partner complaints about missing callbacks",
    )
    assert alert.contacts == ()  # "What the on-call engineer will see:" is not a contact
    assert texts(alert)[:2] == [
        "Count failed deliveries in the last 15 minutes",
        "Call the endpoint the way we do",
    ]
    assert "User Impact:\n- Partners miss order updates" in alert.summary  # impact, not steps
    assert texts(alert)[2] == (
        "Partner down: pause deliveries to that partner with `hookctl pause partner-a`"
    )


def test_causes_as_numbered_subsections_stay_in_one_incident() -> None:
    (alert,) = by_id("causes-as-subsections.md").values()
    assert alert.title == "Search Indexer Restarting"
    assert alert.symptoms == (
        "`java.lang.OutOfMemoryError` in the previous logs",
        "`LockObtainFailedException` at start-up",
    )
    assert "Raise the heap in the chart values, then upgrade" in texts(alert)
    assert commands(alert)[-1] == "kubectl exec -n search <POD> -- rm /data/index/write.lock"


def test_security_phases_without_incident_headings_are_one_scenario() -> None:
    result = load("security-phases.md")
    (playbook,) = result.scenarios
    assert playbook.title == "Credential Leak Playbook"
    assert [p.title for p in playbook.phases] == [
        "1. Preparation",
        "2. Identification",
        "3. Containment",
        "4. Recovery",
        "5. Lessons Learned",
    ]
    assert texts(playbook)[4] == "Revoke the leaked credential."


def test_a_lone_checklist_under_a_setext_title() -> None:
    (checklist,) = by_id("single-checklist.md").values()
    assert checklist.id == "checkout-outage-checklist"
    assert checklist.summary == "Use this when customers cannot pay."
    assert len(texts(checklist)) == 6
    assert commands(checklist) == ["./scripts/synthetic-checkout.sh prod"]


def test_sibling_procedures_without_symptom_words_are_incidents() -> None:
    result = load("procedures-no-symptom-words.md")
    scenarios = {s.id: s for s in result.scenarios}
    assert list(scenarios) == ["pod-crashlooping", "certificate-renewal"]
    assert texts(scenarios["pod-crashlooping"])[3] == "Delete the pod so it is scheduled again."
    assert commands(scenarios["certificate-renewal"]) == ["kubectl get certificates -A"]
    for scenario in scenarios.values():  # no general scenario: each incident has the contacts
        assert scenario.contacts == (Contact("Platform lead", "@plat-lead"),)
    reasons = {str(r.section.title): r.why for r in result.readings if r.kind == "incident"}
    assert "names a failure ('crashlooping')" in reasons["Pod crashlooping"]
    assert "sibling" in reasons["Certificate renewal"]


def test_step_headings_with_command_labels() -> None:
    (failover,) = by_id("step-headings.md").values()
    assert [p.title for p in failover.phases] == [
        "Step 1: Stop writes",
        "Step 2: Promote the replica",
        "Step 3: Point the application at the new primary",
    ]
    assert commands(failover) == [
        "featurectl set read_only=true",
        "pg_ctl promote -D /var/lib/postgresql/15/main",
        "kubectl set env deploy/api DATABASE_HOST=db-replica-1\nfeaturectl set read_only=false",
    ]


def test_problem_solution_with_fences_between_list_items() -> None:
    scenarios = by_id("problem-solution-emoji.md")
    assert list(scenarios) == ["builds-never-start", "artifacts-cannot-be-uploaded"]
    builds = scenarios["builds-never-start"]
    assert builds.symptoms == ("Jobs stay queued and no agent picks them up.",)
    assert [(s.text, s.commands) for s in builds.steps()] == [
        ("Check that the agents are connected:", ("sudo buildctl agents list",)),
        ("Restart the agent service on each host:", ("sudo systemctl restart build-agent",)),
        ("If agents still do not connect, check the firewall for port 9443.", ()),
    ]


def test_symptom_output_diagnosis_and_causes_as_h4() -> None:
    (agent,) = by_id("symptom-diagnosis-h4-causes.md").values()
    assert agent.title == "Metrics agent won't start"
    assert agent.symptoms[0].startswith("$ systemctl status metrics-agent")
    assert texts(agent) == [
        "Read the last log lines",
        "Check the config syntax",
        "Show the config with line numbers",
        "Restore the config from the last good commit.",
        "See what holds port 9100",
    ]


def test_step_table_with_commands_and_expected_results() -> None:
    (rotate,) = by_id("table-steps.md").values()
    steps = list(rotate.steps())
    assert (steps[0].text, steps[0].commands) == (
        "Create the new key",
        ("keyctl create signing --next",),
    )
    assert steps[0].notes == "Expected: prints the new key id"
    assert len(steps) == 4 and steps[3].commands == ("keyctl retire signing --previous",)


def test_setext_prefixed_headings_crlf_tabs_and_a_bom() -> None:
    data = b"\xef\xbb\xbf" + (LAYOUTS / "setext-prefixed-crlf.md").read_bytes()
    assert b"\r\n" in data and b"\t" in data
    result = import_runbook_bytes(data, "search.md")
    scenarios = {s.id: s for s in result.scenarios}
    assert list(scenarios) == ["index-out-of-date", "query-latency-high"]
    index = scenarios["index-out-of-date"]
    assert index.symptoms == ("Search results miss items added today",)
    assert commands(index) == ["curl -s localhost:9200/_cat/indices"]
    assert texts(scenarios["query-latency-high"]) == [
        "Look at the slow query log",
        "Scale the search nodes: `kubectl scale sts/search --replicas=5`",
    ]
    assert result.notes == []


def test_front_matter_html_comments_and_admonitions() -> None:
    result = load("mkdocs-admonitions-frontmatter.md")
    scenarios = {s.id: s for s in result.scenarios}
    assert list(scenarios) == ["cache-evictions-spiking", "replica-out-of-sync"]
    everything = repr(result.scenarios)
    assert "Maintainers" not in everything and "flush everything" not in everything
    assert "owner: storage-team" not in everything
    replica = scenarios["replica-out-of-sync"]
    assert replica.summary.startswith("Tip: A replica that is behind")
    assert commands(replica) == ["redis-cli INFO replication"]  # the admonition is no command
    spiking = scenarios["cache-evictions-spiking"]
    assert spiking.summary == (
        "Note: Evictions alone are normal; page only if the hit ratio falls too."
    )
    assert commands(spiking) == ["redis-cli --bigkeys"]
    assert [link.url for link in spiking.links] == ["https://grafana.example.com/d/cache"]


def test_bold_lines_as_headings_and_plain_labels() -> None:
    scenarios = by_id("bold-headings-inline-labels.md")
    assert list(scenarios) == [
        "general",
        "most-likely-session-store-full",
        "second-most-likely-identity-provider-down",
    ]
    store = scenarios["most-likely-session-store-full"]
    assert store.symptoms == ("logins fail with `session write error`.",)
    assert commands(store) == ["redis-cli -n 2 INFO memory", "./bin/purge-sessions --expired"]
    assert "Verify: the login error rate" in store.phase("fix").notes
    assert texts(scenarios["general"])[0] == "Open the auth dashboard."


def test_error_pattern_table_gives_cause_fix_rows() -> None:
    (worker,) = by_id("error-pattern-table.md").values()
    assert worker.title == "Worker CrashLoopBackOff"
    assert (
        CauseFix("Memory limit too low (Error pattern: `OOMKilled`)", "Raise the memory limit")
        in worker.causes
    )
    assert len(worker.causes) == 3
    assert texts(worker) == ["Count crashing workers", "Events for the namespace, newest last"]


@pytest.mark.parametrize("name", sorted(p.name for p in LAYOUTS.glob("*.md")))
def test_every_layout_writes_valid_files_with_the_runbooks_own_words(
    name: str, tmp_path: Path
) -> None:
    result = load(name)
    written = write_scenarios(result, tmp_path)
    catalogue = load_paths([tmp_path])
    assert catalogue.problems == [] and len(catalogue) == len(written) >= 1
    source = (LAYOUTS / name).read_text(encoding="utf-8")
    flat = _plain(re.sub(r"\]\([^)]*\)", "", source))
    for scenario in result.scenarios:
        for step in scenario.steps():
            assert _plain(step.text) in flat, step.text
            for command in step.commands:
                for line in command.splitlines():
                    assert line.strip() in source, line
        assert {r.kind for r in result.readings} <= {
            "incident", "part", "general", "procedure", "reference", "title", "empty"
        }  # fmt: skip


def _plain(text: str) -> str:
    """Text without Markdown emphasis, code and link marks, spaces collapsed."""
    return " ".join(re.sub(r"[`*\[\]]", "", text).split())


def test_a_communication_checklist_is_steps_and_a_template_is_reference() -> None:
    text = (
        "# Payments runbook\n\n## Card payments failing\n\n1. Switch to the backup provider\n\n"
        "## Communication\n\n- [ ] Post in #incidents every 30 minutes\n- [ ] Tell support\n\n"
        "## Communication templates\n\nWe are looking into failed payments.\n"
    )
    result = import_runbook_bytes(text.encode(), "p.md")
    general = result.scenarios[0]
    assert general.id == "general"
    assert [s.text for s in general.steps()] == [
        "Post in #incidents every 30 minutes",
        "Tell support",
    ]
    assert any("'Communication templates'" in str(skip) for skip in result.skipped)


def test_explain_says_what_each_part_of_an_incident_becomes() -> None:
    readings = [str(r) for r in load("alert-template-quote-meta.md").readings]
    assert any("## Symptoms -> part: of incident 'WebhookDeliveryFailing': its lists are the"
               " symptoms" in line for line in readings)  # fmt: skip
    assert any(
        "### User Impact -> part:" in ln and "the summary (it describes" in ln for ln in readings
    )
    assert any("## Resolution -> part:" in ln and ": a phase" in ln for ln in readings)


def test_numbered_paragraphs_and_indented_commands() -> None:
    text = (
        "# Cache node lost\n\nStep 1: Check the node is really gone.\n"
        "Step 2: Remove it from the ring.\n\n    cachectl ring remove node-3\n"
    )
    (lost,) = import_runbook_bytes(text.encode(), "c.md").scenarios
    assert [(s.text, s.commands) for s in lost.steps()] == [
        ("Check the node is really gone.", ()),
        ("Remove it from the ring.", ("cachectl ring remove node-3",)),  # the block under it
    ]


def test_a_block_that_follows_no_step_is_named_by_its_own_command() -> None:
    text = "# Disk full\n\nLook first.\n\n```\ndf -h /var\n```\n\n- Clean logs\n"
    (disk,) = import_runbook_bytes(text.encode(), "d.md").scenarios
    assert [(s.text, s.commands) for s in disk.steps()] == [
        ("df -h /var", ("df -h /var",)),
        ("Clean logs", ()),
    ]


def test_details_wrappers_and_docusaurus_directives() -> None:
    text = (
        "# Queue runbook\n\n<details>\n<summary><b>Queue backlog growing</b></summary>\n\n"
        ":::warning Careful\nDraining drops messages.\n:::\n\n"
        "1. Check the depth: `rabbitmqctl list_queues`\n2. Scale consumers.\n\n</details>\n"
    )
    (backlog,) = import_runbook_bytes(text.encode(), "q.md").scenarios
    assert backlog.title == "Queue backlog growing"
    assert backlog.summary == "Warning: Careful Draining drops messages."
    assert texts(backlog) == ["Check the depth: `rabbitmqctl list_queues`", "Scale consumers."]
    assert "details" not in repr(backlog)


def test_markup_in_headings_imports_and_validates(tmp_path: Path) -> None:
    text = (
        "# Disk full on [/var]\n\n## Fix [bold]now[/bold]\n\n"
        "1. Clean `/var/log` [@click=app.quit]\n"
    )
    result = import_runbook_bytes(text.encode(), "m.md")
    (scenario,) = result.scenarios
    assert scenario.title == "Disk full on [/var]"
    assert scenario.phases[0].title == "Fix [bold]now[/bold]"
    write_scenarios(result, tmp_path)
    assert load_paths([tmp_path]).problems == []


def test_explain_prints_every_decision_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "warroom", "import-runbook",
         str(LAYOUTS / "procedures-no-symptom-words.md"), "--explain", "--out", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "how each section was read:"
    assert any("## Pod crashlooping -> incident: its title names a failure" in ln for ln in lines)
    assert any("## Contacts -> reference: contacts" in ln for ln in lines)
    assert any(ln.startswith("would write 2 scenario(s)") for ln in lines)
    assert not out.exists()


def test_explain_shows_why_nothing_was_found(tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text("# Team notes\n\n## Who we are\n\nWe run billing.\n", encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "warroom", "import-runbook", str(path), "--explain"],
        capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1
    assert "## Who we are -> skipped: no ordered list" in run.stdout
    assert run.stderr.count("\n") == 1 and "no incident sections found" in run.stderr


def test_too_big_a_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.md"
    with path.open("wb") as handle:
        handle.truncate(MAX_RUNBOOK_BYTES + 1)
    with pytest.raises(RunbookImportError) as caught:
        import_runbook(path)
    message = str(caught.value)
    assert "5.0 MB is more than the 5 MB a runbook may be" in message and "\n" not in message


def test_too_many_scenarios_are_refused_in_one_line(tmp_path: Path) -> None:
    text = "".join(f"# Disk {n} full\n\n1. Clean disk {n}\n\n" for n in range(MAX_SCENARIOS + 1))
    with pytest.raises(RunbookImportError) as caught:
        import_runbook_bytes(text.encode(), "many.md")
    assert f"at most {MAX_SCENARIOS} are written" in str(caught.value)
    assert not list(tmp_path.iterdir())


def test_repeated_titles_get_unique_ids() -> None:
    text = "".join("# Disk full\n\n1. Clean the disk\n\n" for _ in range(50))
    ids = [s.id for s in import_runbook_bytes(text.encode(), "r.md").scenarios]
    assert ids[:3] == ["disk-full", "disk-full-2", "disk-full-3"] and len(set(ids)) == 50
