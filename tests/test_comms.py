"""Comms composer model: shipped and user templates, and drafts filled from real folds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from warroom import paths
from warroom.comms_templates import SHIPPED_ORDER, load_templates
from warroom.model.comms import (
    MAX_BULLETS,
    PLACEHOLDERS,
    CommsTemplate,
    TemplateError,
    build_context,
    fill,
    parse_template,
    render,
    render_draft,
)
from warroom.model.events import Event, EventKind, new_event
from warroom.model.incident import IncidentState, fold
from warroom.model.severity import PRESETS

T0 = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
LADDER = PRESETS["sev1-sev3"]
PARIS_SUMMER = timezone(timedelta(hours=2), "CEST")
INCIDENT = "INC-20250304-1"


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


class Log:
    """Builds a real event list for one incident, each event at a given minute."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self, kind: EventKind, payload: dict[str, Any], at: float, recorded: float | None = None
    ) -> Event:
        event = new_event(
            INCIDENT,
            kind,
            "alice",
            payload,
            at=minutes(at),
            now=minutes(recorded if recorded is not None else at),
        )
        self.events.append(event)
        return event

    def declare(self, **extra: Any) -> Log:
        payload = {
            "title": "Checkout failing",
            "severity": "SEV-1",
            "ladder": LADDER.id,
            "roles": {"IC": "Alice", "Ops": "Bob"},
            "impact": "Most customers cannot pay",
            **extra,
        }
        self.add(EventKind.DECLARED, payload, 0)
        return self

    def note(self, kind: str, text: str, at: float, recorded: float | None = None) -> Event:
        return self.add(EventKind.NOTE, {"text": text, "note_kind": kind}, at, recorded)

    def probe(self, service: str, state: str, reason: str, at: float) -> Event:
        payload = {"service": service, "state": state, "reason": reason, "probe_kind": "http"}
        return self.add(EventKind.PROBE_STATE_CHANGED, payload, at)

    def comms(self, at: float) -> Event:
        payload = {"template": "status-update", "audience": "internal", "channel": "osc52"}
        return self.add(EventKind.COMMS_COPIED, payload, at)

    def state(self) -> IncidentState:
        return fold(self.events)


@pytest.fixture
def templates() -> dict[str, CommsTemplate]:
    loaded, problems = load_templates()
    assert problems == []
    return {template.id: template for template in loaded}


def user_templates_dir() -> Path:
    folder = paths.config_dir() / "templates"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# Shipped templates ----------------------------------------------------------------------


def test_five_shipped_templates_load_in_order_with_their_audiences() -> None:
    loaded, problems = load_templates()
    assert problems == []
    assert [t.id for t in loaded] == list(SHIPPED_ORDER)
    audiences = {t.id: t.audience for t in loaded}
    assert audiences == {
        "declaration": "internal",
        "status-update": "internal",
        "resolution": "internal",
        "customer-notice": "external",
        "escalation": "management",
    }
    assert all(t.title and t.source == "shipped" and not t.is_user for t in loaded)


def test_every_shipped_template_renders_with_no_placeholder_left(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare(drill=True)
    log.probe("api", "down", "HTTP 503", 1)
    log.note("finding", "Pool exhausted", 5)
    log.note("action", "Rolled back deploy 412", 8)
    log.note("todo", "Watch error rate", 9)
    log.note("decision", "Keep payments in read-only mode", 10)
    state = log.state()
    for template in templates.values():
        draft = render_draft(template, state, LADDER, minutes(30), UTC)
        assert draft.unknown == [], template.id
        assert "{" not in draft.text and "}" not in draft.text, template.id
        assert "DRILL" in draft.text, template.id


def test_declaration_names_severity_start_roles_and_only_services_not_up(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare()
    log.probe("api", "down", "HTTP 503 from /health", 1)
    log.probe("search", "degraded", "p95 4.2s", 1)
    log.probe("db", "up", "", 1)
    log.probe("vendor-pay", "maintenance", "scheduled window", 2)
    log.probe("cache", "down", "refused", 2)
    log.probe("cache", "up", "", 3)  # recovered: its last state is up
    text = render(templates["declaration"], log.state(), LADDER, minutes(4), PARIS_SUMMER)

    assert "SEV-1 Critical outage" in text
    assert "Checkout failing" in text
    assert "2025-03-04 14:00 UTC (2025-03-04 16:00 CEST)" in text
    assert "- IC: Alice" in text and "- Ops: Bob" in text and "- Dev: (unassigned)" in text
    assert "- api: down (HTTP 503 from /health)" in text
    assert "- search: degraded (p95 4.2s)" in text
    assert "- vendor-pay: maintenance (scheduled window)" in text
    assert "db" not in text and "cache" not in text
    assert "Most customers cannot pay" in text
    assert "Next update by 2025-03-04 15:04 UTC" in text  # SEV-1: hourly, from now
    assert not text.startswith("\n")  # the empty drill banner line is dropped


def test_status_update_covers_what_happened_since_the_last_comms(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare()
    log.note("finding", "Old finding", 5)
    log.note("action", "Old action", 6)
    log.note("todo", "Old todo", 7)
    log.comms(10)
    log.note("finding", "New finding", 12)
    log.note("finding", "Backdated but typed after the update", 8, recorded=14)
    log.note("action", "New action", 15)
    state = log.state()
    assert state.last_comms_at == minutes(10)

    text = render(templates["status-update"], state, LADDER, minutes(20), UTC)

    assert "since the last update at 2025-03-04 14:10 UTC" in text
    assert "- New finding" in text
    assert "- Backdated but typed after the update" in text
    assert "- New action" in text
    assert "Old finding" not in text and "Old action" not in text and "Old todo" not in text
    assert "- nothing new since the last update" in text  # no new todos
    assert "Next update by 2025-03-04 15:20 UTC" in text


def test_without_any_comms_everything_counts(templates: dict[str, CommsTemplate]) -> None:
    log = Log().declare()
    log.note("finding", "First finding", 5)
    log.note("finding", "Second finding", 6)
    struck = log.note("finding", "Wrong guess", 7)
    log.add(EventKind.ENTRY_STRUCK, {"target": struck.id, "reason": "disproved"}, 8)
    log.note("todo", "Check replica lag", 9)
    text = render(templates["status-update"], log.state(), LADDER, minutes(10), UTC)
    assert "(since declaration)" in text
    assert "- First finding\n- Second finding\n" in text
    assert "Wrong guess" not in text
    assert "- Check replica lag" in text
    assert "- none recorded yet" in text  # no actions at all


def test_an_old_note_edited_after_the_last_comms_is_news(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare()
    finding = log.note("finding", "Suspect the cache", 5)
    log.comms(10)
    log.add(EventKind.ENTRY_EDITED, {"target": finding.id, "text": "Cause is the pool"}, 12)
    text = render(templates["status-update"], log.state(), LADDER, minutes(15), UTC)
    assert "- Cause is the pool" in text
    assert "Suspect the cache" not in text


def test_user_text_is_inserted_verbatim_and_never_expanded() -> None:
    log = Log().declare(title="Broken {severity} {{x}} {nope}", impact="{ic} sees {{ and }}")
    log.note("finding", "Note with {status} and {title}", 5)
    template = parse_template(
        "+++\nid = 't'\ntitle = 'T'\naudience = 'internal'\n+++\n"
        "{title} | {impact} | {severity} | {{literal}} | {what_we_know}\n",
        "t.md",
    )
    draft = render_draft(template, log.state(), LADDER, minutes(6), UTC)
    assert draft.text == (
        "Broken {severity} {{x}} {nope} | {ic} sees {{ and }} | SEV-1 | {literal}"
        " | - Note with {status} and {title}\n"
    )
    assert draft.unknown == []


def test_unknown_placeholders_stay_visible_and_are_reported() -> None:
    template = parse_template(
        "+++\nid = 't'\ntitle = 'T'\naudience = 'internal'\n+++\n"
        "Sev {severity}, owner {owner}, again {owner}, ETA {eta}\n",
        "t.md",
    )
    assert template.unknown_placeholders == ["owner", "eta"]
    draft = render_draft(template, Log().declare().state(), LADDER, minutes(1), UTC)
    assert draft.text == "Sev SEV-1, owner {owner}, again {owner}, ETA {eta}\n"
    assert draft.unknown == ["owner", "eta"]


def test_control_characters_are_made_visible_and_secrets_masked(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare(title="Bell\x07 and \x1b[31mred\x1b[0m")
    log.probe("api", "down", "body: \x1b]0;owned\x07 [/x] [ERROR]", 1)
    log.note("finding", "DSN postgres://app:hunter2secret@db:5432/shop fails", 5)
    text = render(templates["status-update"], log.state(), LADDER, minutes(6), UTC)
    assert "\x1b" not in text and "\x07" not in text
    assert "Bell\\x07 and \\x1b[31mred\\x1b[0m" in text
    assert "[/x] [ERROR]" in text
    assert "hunter2secret" not in text
    assert "postgres://app:***@db:5432/shop" in text


def test_next_update_follows_the_ladder_cadence_and_stops_at_resolution(
    templates: dict[str, CommsTemplate],
) -> None:
    p_ladder = PRESETS["p0-p3"]
    log = Log()
    log.add(
        EventKind.DECLARED,
        {"title": "Slow search", "severity": "P2", "ladder": p_ladder.id},
        0,
    )
    context = build_context(log.state(), p_ladder, minutes(5), UTC)
    assert context["next_update_utc"] == "when there is news"  # P2 sets no cadence
    assert context["update_cadence"] == "none set"

    log.add(EventKind.SEVERITY_CHANGED, {"severity": "P0", "previous": "P2"}, 6)
    context = build_context(log.state(), p_ladder, minutes(7), UTC)
    assert context["next_update_utc"] == "2025-03-04 14:37 UTC"  # P0: every 30 minutes
    assert context["severity_label"] == "P0 Critical"

    log.add(EventKind.STATUS_CHANGED, {"status": "monitoring"}, 40)
    log.add(EventKind.STATUS_CHANGED, {"status": "resolved"}, 70)
    state = log.state()
    context = build_context(state, p_ladder, minutes(90), UTC)
    assert context["next_update_utc"] == "none planned (resolved)"
    assert context["duration"] == "1h 10m"  # the clock stops at resolution
    text = render(templates["resolution"], state, p_ladder, minutes(90), UTC)
    assert "Resolved: 2025-03-04 15:10 UTC" in text
    assert "Lasted: 1h 10m" in text
    assert "Time to mitigate: 40m 00s" in text


def test_escalation_compares_duration_with_the_resolve_target(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare()
    log.probe("api", "down", "timeout", 1)
    log.probe("db", "unknown", "DNS error", 1)
    text = render(templates["escalation"], log.state(), LADDER, minutes(75), UTC)
    assert "Running for 1h 15m since 2025-03-04 14:00 UTC, over the 1h 00m target by 15m 00s" in (
        text
    )
    assert "Affected services: api, db" in text


def test_customer_notice_keeps_internal_detail_out(templates: dict[str, CommsTemplate]) -> None:
    log = Log().declare()
    log.probe("postgres-primary", "down", "connection refused", 1)
    log.note("finding", "Internal finding about pgbouncer", 5)
    log.add(EventKind.STATUS_CHANGED, {"status": "identified"}, 6)
    text = render(templates["customer-notice"], log.state(), LADDER, minutes(7), UTC)
    assert "We have found the cause and are working on a fix." in text
    assert "Most customers cannot pay" in text
    for internal in ("pgbouncer", "postgres-primary", "Alice", "connection refused", "SEV-1"):
        assert internal not in text


def test_a_line_of_empty_placeholders_is_dropped_but_blank_lines_are_kept() -> None:
    text, unknown = fill("{a}{b}\nx\n\n  {a}  \n{c}\n", {"a": "", "b": "", "c": "C"})
    assert text == "x\n\nC\n"
    assert unknown == []


def test_every_placeholder_has_a_value() -> None:
    context = build_context(Log().declare().state(), LADDER, minutes(1), UTC)
    assert set(context) == set(PLACEHOLDERS)


# User templates -------------------------------------------------------------------------


def test_user_file_with_the_same_name_overrides_the_shipped_template() -> None:
    override = user_templates_dir() / "status-update.md"
    override.write_text(
        "+++\nid = 'status-update'\ntitle = 'Our update'\naudience = 'internal'\n+++\n"
        "{id}: {status} ({duration})\n",
        encoding="utf-8",
    )
    loaded, problems = load_templates()
    assert problems == []
    template = {t.id: t for t in loaded}["status-update"]
    assert template.title == "Our update"
    assert template.source == str(override) and template.is_user
    assert [t.id for t in loaded] == list(SHIPPED_ORDER)  # still in its usual place
    text = render(template, Log().declare().state(), LADDER, minutes(12), UTC)
    assert text == f"{INCIDENT}: investigating (12m 00s)\n"


def test_a_team_can_add_its_own_template() -> None:
    (user_templates_dir() / "exec-brief.md").write_text(
        "+++\nid = 'exec-brief'\ntitle = 'Exec brief'\naudience = 'executives'\n"
        "description = 'Two lines for the exec channel'\n+++\n{severity_label}: {title}\n",
        encoding="utf-8",
    )
    loaded, problems = load_templates()
    assert problems == []
    assert [t.id for t in loaded] == [*SHIPPED_ORDER, "exec-brief"]
    assert loaded[-1].description == "Two lines for the exec channel"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id = 'x'\n", "line 1: expected '+++' opening the header"),
        ("+++\nid = 'status-update'\ntitle = 'T'\n", "no closing '+++'"),
        ("+++\nid = 'status-update'\ntitle = = 'T'\n+++\nbody\n", "line 3: Invalid value"),
        ("+++\nid = 'status-update'\ntitle = 'T'\n+++\nbody\n", "non-empty 'audience'"),
        ("+++\nid = 'x'\ntitle = 3\naudience = 'a'\n+++\nbody\n", "line 3: title must be"),
        ("+++\nid = 'x'\ntitle = 'T'\naudience = 'a'\ncolour = 'red'\n+++\nb\n", "line 5: unknown"),
        ("+++\nid = 'x'\ntitle = 'T'\naudience = 'a'\n+++\n\n  \n", "no text after its header"),
    ],
)
def test_a_broken_override_is_reported_and_the_shipped_template_used(
    content: str, expected: str
) -> None:
    broken = user_templates_dir() / "status-update.md"
    broken.write_text(content, encoding="utf-8")
    loaded, problems = load_templates()
    assert len(problems) == 1
    assert problems[0].startswith(f"{broken}: ")
    assert expected in problems[0]
    assert problems[0].endswith("(using the shipped one)")
    template = {t.id: t for t in loaded}["status-update"]
    assert template.source == "shipped"


def test_unreadable_and_clashing_user_templates_are_reported() -> None:
    folder = user_templates_dir()
    (folder / "binary.md").write_bytes(b"+++\nid = 'b'\n\xff\xfe\n")
    (folder / "twin.md").write_text(
        "+++\nid = 'declaration'\ntitle = 'Twin'\naudience = 'internal'\n+++\nhi\n",
        encoding="utf-8",
    )
    (folder / "odd.md").write_text(
        "+++\nid = 'odd'\ntitle = 'Odd'\naudience = 'internal'\n+++\n{severity} {owner}\n",
        encoding="utf-8",
    )
    (folder / "notes.txt").write_text("not a template", encoding="utf-8")
    loaded, problems = load_templates()
    ids = [t.id for t in loaded]
    assert ids == [*SHIPPED_ORDER, "odd"]
    assert f"{folder / 'binary.md'}: line 3: not UTF-8 text (skipped)" in problems
    assert any(p.startswith(str(folder / "twin.md")) and "already used" in p for p in problems)
    assert f"{folder / 'odd.md'}: unknown placeholders {{owner}} are left as written" in problems
    assert len(problems) == 3


def test_parse_template_reports_lines_relative_to_the_file() -> None:
    with pytest.raises(TemplateError, match=r"^line 4: .*\(column 16\)$"):
        parse_template("+++\nid = 'a'\ntitle = 'b'\naudience = 'c' 'd'\n+++\nbody\n", "a.md")
    with pytest.raises(TemplateError, match=r"^line 5: .*at the end of the header"):
        parse_template("+++\nid = 'a'\ntitle = 'b'\naudience = [\n+++\nbody\n", "a.md")


def test_long_lists_keep_the_latest_entries_and_say_how_many_are_hidden(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare()
    for n in range(MAX_BULLETS + 5):
        log.note("finding", f"finding number {n}", 1 + n / 10)
    text = render(templates["status-update"], log.state(), LADDER, minutes(20), UTC)
    assert "- (5 earlier entries not shown: see the timeline)\n- finding number 5\n" in text
    assert f"- finding number {MAX_BULLETS + 4}\n" in text
    assert "finding number 4\n" not in text


def test_build_context_computes_only_what_is_asked() -> None:
    state = Log().declare().state()
    context = build_context(state, LADDER, minutes(1), UTC, names=["severity", "nope", "ic"])
    assert context == {"severity": "SEV-1", "ic": "Alice"}
