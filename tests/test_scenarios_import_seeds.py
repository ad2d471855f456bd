"""Importing the team's five real runbooks (../shared/seeds): scenarios an IC can run.

Skipped when the shared folder is absent. The imported files are written to tmp dirs only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_dir_or_skip
from warroom.model.scenario import CauseFix, Scenario, Step
from warroom.scenarios import load_paths
from warroom.scenarios.importer import ImportResult, import_runbook, write_scenarios
from warroom.scenarios.text_repair import looks_like_mojibake

SEEDS = {
    "000": "000_d047ba6d414ee5eb.txt",
    "001": "001_8e4854959edf4d44.txt",
    "002": "002_aa6559150e35e6cd.txt",
    "003": "003_b1ab8eb4e8f4fb2c.txt",
    "004": "004_36688e0797f5f189.txt",
}
MOJIBAKE = ("ðŸ", "ğŸ", "â€", "â†", "â”", "‚Ä", "‚ú", "‚Ü", "‚è", "\uf8ff", "Ã", "Ô∏")


def seed(key: str) -> ImportResult:
    path = shared_dir_or_skip("seeds", SEEDS[key])
    return import_runbook(path, prefix="")


def by_id(result: ImportResult) -> dict[str, Scenario]:
    return {scenario.id: scenario for scenario in result.scenarios}


def step(scenario: Scenario, text: str) -> Step:
    found = [s for s in scenario.steps() if s.text == text]
    assert found, f"{scenario.id}: no step {text!r} in {[s.text for s in scenario.steps()]}"
    return found[0]


def all_text(scenario: Scenario) -> list[str]:
    texts = [scenario.title, scenario.summary, *scenario.symptoms]
    texts += [part for c in scenario.causes for part in (c.cause, c.fix)]
    texts += [part for c in scenario.contacts for part in (c.role, c.reach, c.when, c.notes)]
    for phase in scenario.phases:
        texts += [phase.title, phase.notes]
        for s in phase.steps:
            texts += [s.text, s.notes, *s.commands]
    return [t for t in texts if t]


@pytest.mark.parametrize("key", sorted(SEEDS))
def test_seed_imports_clean_valid_files(key: str, tmp_path: Path) -> None:
    result = seed(key)
    written = write_scenarios(result, tmp_path)
    catalogue = load_paths([tmp_path])
    assert [str(p) for p in catalogue.problems] == []
    assert len(catalogue) == len(written) == len(result.scenarios) >= 4
    for scenario in result.scenarios:
        assert scenario.step_count > 0, scenario.id
        for text in all_text(scenario):
            assert not any(bad in text for bad in MOJIBAKE), f"{scenario.id}: {text!r}"
            assert not looks_like_mojibake(text), f"{scenario.id}: {text!r}"
        for s in scenario.steps():
            assert "\ufffd" not in s.text + "".join(s.commands), f"{scenario.id}: {s.text!r}"


def test_all_five_seeds_share_one_folder_without_clashes(tmp_path: Path) -> None:
    total = 0
    for name in SEEDS.values():
        result = import_runbook(shared_dir_or_skip("seeds", name))  # default prefix: file stem
        total += len(write_scenarios(result, tmp_path))
    catalogue = load_paths([tmp_path])
    assert catalogue.problems == [] and len(catalogue) == total == 29


def test_seed_000_common_incidents() -> None:
    result = seed("000")
    scenarios = by_id(result)
    assert list(scenarios) == [
        "general",
        "payment-processing-failures",
        "circuit-breaker-opened",
        "database-connection-issues",
        "slow-performance-timeouts",
        "authentication-failures",
        "booking-scheduling-failures",
        "email-delivery-failures",
        "deployment-failures",
    ]
    payments = scenarios["payment-processing-failures"]
    assert "Users report payments not going through" in payments.symptoms
    assert step(payments, "Check Sentry for payment errors").notes == (
        "Search: domain:payment is:unresolved"
    )
    assert (
        CauseFix("Webhook secret mismatch", "Verify `STRIPE_WEBHOOK_SECRET` in Vercel env vars")
        in payments.causes
    )
    database = scenarios["database-connection-issues"]
    assert step(database, "Check health endpoint").commands == (
        "curl https://your-domain.com/api/health/ready",
    )
    assert CauseFix("Connection pool exhausted", "Increase pool size in Supabase settings") in (
        database.causes
    )
    breaker = scenarios["circuit-breaker-opened"]
    assert (
        "await resetCircuitBreaker('nylas');"
        in step(breaker, "In server console or test file").commands[0]
    )
    assert (
        CauseFix(
            "Nylas API degradation (Service: `nylas`)",
            "Wait for recovery, circuit auto-closes after 60s",
        )
        in breaker.causes
    )
    deploy = scenarios["deployment-failures"]
    assert step(deploy, "Check for type errors locally").commands == ("pnpm typecheck",)
    assert step(deploy, "Check for test failures").commands == ("pnpm test:ci",)
    general = scenarios["general"]
    response = general.phases[0]
    assert len(response.steps) == 7
    assert response.steps[0].text == "Acknowledge - Respond in Slack within SLA"
    assert len(general.phases[1].steps) == 6  # the post-incident checklist
    assert any(
        c.role == "Stripe Support" and c.reach == "support@stripe.com" for c in general.contacts
    )
    assert any(link.url == "https://dashboard.stripe.com/" for link in general.links)
    skipped = " | ".join(str(s) for s in result.skipped)
    assert "'Severity Levels'" in skipped and "'Post-Mortem Template'" in skipped


def test_seed_001_mac_roman_runbook() -> None:
    result = seed("001")
    assert any("Mac Roman" in note for note in result.notes)
    scenarios = by_id(result)
    assert list(scenarios) == [
        "general",
        "complete-site-outage",
        "authentication-broken",
        "payment-processing-failures",
        "database-performance-degradation",
        "third-party-service-outage",
    ]
    outage = scenarios["complete-site-outage"]
    assert step(outage, "Check DNS").commands == ("dig maidconnect.com",)
    assert outage.phase("resolution").steps[0].text == (
        "If recent deployment: Rollback immediately"
    )
    general = scenarios["general"]
    assert general.phases[0].title == "Quick Start"
    assert len(general.phases[0].steps) == 9
    assert step(general, "Vercel dashboard → Deployments")  # repaired arrow
    assert (
        CauseFix("Recent Deployment: New bugs introduced; Breaking changes", "Consider rollback")
        in general.causes
    )
    sql = step(general, "Example: Rollback adding column").commands
    assert sql == ("ALTER TABLE bookings DROP COLUMN IF EXISTS new_column;",)
    notes = "\n".join(phase.notes for phase in general.phases)
    assert "CAUTION: Database rollbacks can cause data loss. Assess carefully." in notes
    first = step(general, "Acknowledge alert in incident channel")
    assert "🚨 Investigating [brief description]" in first.notes


def test_seed_002_windows_1252_runbook() -> None:
    result = seed("002")
    assert any("UTF-8 read as Windows-1252" in note for note in result.notes)
    scenarios = by_id(result)
    assert list(scenarios) == [
        "general",
        "database-failure-supabase",
        "webhook-failures-stripe-cal-com",
        "authentication-failures-clerk-supabase-auth",
    ]
    database = scenarios["database-failure-supabase"]
    connectivity = step(database, "Check Database Connectivity")
    assert connectivity.commands[0].endswith('psql "$DATABASE_URL" -c "SELECT 1;"')
    assert "WHERE state = 'idle'" in step(database, "Kill idle connections").commands[0]
    assert [p.title for p in database.phases][:2] == [
        "Immediate Actions (First 5 minutes)",
        "Escalation Procedures: If database is down",
    ]
    general = scenarios["general"]
    rollback = general.phases[0]
    assert rollback.title == "Emergency Rollback (≤ 3 minutes)"
    promote = step(general, "STEP 2: Promote last good deployment (10 seconds)")
    assert promote.commands[0].startswith("vercel promote <LAST_GOOD_DEPLOYMENT_ID>")
    assert len(general.phase("post-incident-validation-checklist").steps) == 10
    security = next(c for c in general.contacts if c.role == "Security Issues")
    assert security.when == "5 minutes" and "security@agency.com" in security.reach


def test_seed_003_checklist_runbook() -> None:
    scenarios = by_id(seed("003"))
    assert list(scenarios) == [
        "general",
        "authentication-failures",
        "database-performance-degradation",
        "edge-function-timeouts",
        "high-error-rates",
    ]
    edge = scenarios["edge-function-timeouts"]
    assert step(edge, "Check edge function logs").commands == (
        "supabase functions logs <FUNCTION_NAME> --tail",
    )
    assert step(edge, "Increase function timeout (max 60s)")
    assert CauseFix("Cold start issues") in edge.causes  # a cause the runbook pairs with no fix
    general = scenarios["general"]
    assert [s.text for s in general.phases[0].steps] == [
        "Confirm the incident - Verify the issue is real",
        "Assess severity - Determine P0/P1/P2/P3 level",
        "Create incident ticket - Document in tracking system",
        "Notify stakeholders - Alert team via Slack/Teams",
    ]
    assert (
        step(general, "Kill long-running queries")
        .commands[0]
        .startswith("SELECT pg_terminate_backend(pid)")
    )


def test_seed_004_workflow_runbook() -> None:
    result = seed("004")
    scenarios = by_id(result)
    assert list(scenarios) == [
        "general",
        "api-downtime",
        "database-connection-issues",
        "sync-engine-failures",
        "memory-performance-issues",
    ]
    api = scenarios["api-downtime"]
    assert step(api, "Is the service running?").commands == (
        "curl https://journey-api.zeabur.app/health",
    )
    assert "├─→ YES → Check Zeabur dashboard" in api.phase("diagnosis-flow").notes
    assert CauseFix("Out of memory", "Scale container resources") in api.causes
    sync = scenarios["sync-engine-failures"]
    assert (
        CauseFix("Invalid API key (Error: `401 Unauthorized`)", "Refresh GHL token") in sync.causes
    )
    assert step(sync, "Skip problematic records").commands == (
        "node src/cli.js sync --client <client> --skip-errors",
    )
    database = scenarios["database-connection-issues"]
    assert [p.title for p in database.phases] == [
        "Investigation",
        "Solutions: Connection pool exhausted",
        "Solutions: Database unresponsive",
        "Solutions: Query hanging",
    ]
    general = scenarios["general"]
    assert any(c.reach == "@backend-lead" and c.role == "Backend Lead" for c in general.contacts)
    assert general.phase("incident-response-workflow-5-review").steps[0].text == (
        "Schedule post-incident review within 48 hours"
    )
