"""Comms composer model: shipped and user templates, and drafts filled from real folds."""

from __future__ import annotations

import re
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
        payload = {"template": "responders", "audience": "responders", "channel": "osc52"}
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


def test_four_shipped_templates_one_per_audience() -> None:
    loaded, problems = load_templates()
    assert problems == []
    assert [t.id for t in loaded] == list(SHIPPED_ORDER)
    audiences = {t.id: (t.audience, t.external) for t in loaded}
    assert audiences == {
        "responders": ("responders", False),
        "executives": ("executives", False),
        "support": ("support", False),
        "customers": ("customers", True),
    }
    assert all(t.title and t.source == "shipped" and not t.is_user for t in loaded)


def full_record(log: Log, at: float = 2) -> Log:
    for name, value in (
        ("impact", "Customers cannot pay at checkout"),
        ("affected", "All EU customers, about 40% of orders"),
        ("scope", "Web and mobile checkout"),
        ("workaround", "Pay by invoice"),
        ("customer_summary", "Some customers cannot complete checkout."),
    ):
        log.add(EventKind.RECORD_SET, {"field": name, "value": value}, at)
    return log


def test_every_shipped_template_renders_with_no_placeholder_left(
    templates: dict[str, CommsTemplate],
) -> None:
    log = full_record(Log().declare(drill=True))
    log.probe("api", "down", "HTTP 503", 1)
    log.note("finding", "Pool exhausted", 5)
    log.note("action", "Rolled back deploy 412", 8)
    log.note("todo", "Watch error rate @bob", 9)
    log.note("decision", "Keep payments in read-only mode", 10)
    state = log.state()
    for template in templates.values():
        draft = render_draft(template, state, LADDER, minutes(30), UTC)
        assert draft.unknown == [] and draft.missing == [], template.id
        assert "{" not in draft.text and "}" not in draft.text, template.id
        assert not re.search(r"\[[a-z]", draft.text), template.id  # no "[describe ...]" gaps
        assert "DRILL" in draft.text, template.id


def test_an_empty_record_leaves_sentences_out_and_flags_them(
    templates: dict[str, CommsTemplate],
) -> None:
    state = Log().declare(impact="").state()
    draft = render_draft(templates["customers"], state, LADDER, minutes(5), UTC)
    assert draft.missing == ["workaround", "customer_summary"]
    assert "Workaround" not in draft.text
    assert draft.text.startswith("We are investigating a problem")
    assert draft.flags() == ["Left out, not set: workaround, customer summary (press R to set)"]
    responders = render_draft(templates["responders"], state, LADDER, minutes(5), UTC)
    assert "Impact:" not in responders.text and "Workaround" not in responders.text
    assert responders.missing == ["impact", "affected", "scope", "workaround"]
    assert "\n\n\n" not in responders.text


def test_the_first_update_states_the_whole_situation(templates: dict[str, CommsTemplate]) -> None:
    log = full_record(Log().declare())
    log.note("note", "alert: checkout 5xx above 20%", -10, recorded=1)  # backdated alert
    log.probe("api", "down", "HTTP 503 from /health", 1)
    log.probe("search", "degraded", "p95 4.2s", 1)
    log.probe("db", "up", "", 1)
    log.probe("cache", "down", "refused", 2)
    log.probe("cache", "up", "", 3)
    log.note("finding", "Pool exhausted on db-1", 5)
    log.note("decision", "Roll back deploy 412", 6)
    log.note("todo", "Check replica lag @bob", 7)
    text = render(templates["responders"], log.state(), LADDER, minutes(14), PARIS_SUMMER)

    assert text.startswith("[DECLARED] INC-20250304-1 SEV-1 Critical outage: Checkout failing\n")
    # The alert logged ten minutes before the declaration starts the clock.
    assert "Impact since 2025-03-04 13:50 UTC (15:50 CEST), 24m 00s so far." in text
    assert "Impact: Customers cannot pay at checkout" in text
    assert "Workaround: Pay by invoice" in text
    assert "- api: down since 14:01 UTC (HTTP 503 from /health)" in text
    assert "- search: degraded since 14:01 UTC (p95 4.2s)" in text
    assert "- cache: recovered at 14:03 UTC after being down from 14:02 UTC" in text
    assert "db" not in text.replace("db-1", "")
    assert "Current theory: Pool exhausted on db-1" in text
    assert "- Roll back deploy 412 (14:06 UTC)" in text
    assert "- Check replica lag (owner: bob)" in text
    assert "What changed" not in text  # nothing to compare with yet
    assert text.endswith("IC: Alice.\nNext update by 15:14 UTC, or sooner if anything changes.\n")


def test_the_second_update_keeps_the_situation_and_adds_what_changed(
    templates: dict[str, CommsTemplate],
) -> None:
    log = full_record(Log().declare())
    log.probe("api", "down", "HTTP 503", 1)
    log.probe("web", "down", "timeout", 2)
    log.note("finding", "Old finding", 5)
    log.note("decision", "Roll back deploy 412", 6)
    todo = log.note("todo", "Old todo @carol", 7)
    other = log.note("todo", "Write the customer FAQ", 7.5)
    log.comms(10)
    log.probe("web", "up", "", 12)
    log.note("finding", "Backdated but typed after the update", 8, recorded=14)
    log.note("action", "Drained db-1", 15)
    log.add(EventKind.STATUS_CHANGED, {"status": "identified", "previous": "investigating"}, 16)
    log.add(EventKind.TODO_DONE, {"target": todo.id}, 17)
    log.add(EventKind.RECORD_SET, {"field": "workaround", "value": "Pay by card on web"}, 18)
    text = render(templates["responders"], log.state(), LADDER, minutes(20), UTC)

    assert text.startswith("[UPDATE] ")
    assert "Status: Identified." in text
    assert "Impact: Customers cannot pay at checkout" in text  # the situation, again
    assert "- api: down since 14:01 UTC (HTTP 503)" in text
    assert "- web: recovered at 14:12 UTC after being down from 14:02 UTC" in text
    assert "- Roll back deploy 412 (14:06 UTC)" in text  # decisions stay
    assert "- Write the customer FAQ" in text  # open todos stay until done
    assert "Old todo" not in text.split("What changed")[0]
    assert "What changed since the last update at 14:10 UTC:" in text
    changes = text.split("What changed")[1]
    assert "- 14:08 UTC: finding: Backdated but typed after the update" in changes
    assert "- 14:15 UTC: done: Drained db-1" in changes
    assert "- 14:16 UTC: status is now identified" in changes
    assert "- 14:17 UTC: done: Old todo" in changes
    assert "- 14:18 UTC: workaround updated: Pay by card on web" in changes
    assert "Old finding" not in changes
    assert other.id  # still open


def test_an_update_with_no_change_says_so_once(templates: dict[str, CommsTemplate]) -> None:
    log = full_record(Log().declare())
    log.comms(10)
    text = render(templates["responders"], log.state(), LADDER, minutes(20), UTC)
    assert "- No change since the last update at 14:10 UTC." in text
    assert "Impact: Customers cannot pay at checkout" in text


def test_since_the_last_update_means_to_the_same_audience(
    templates: dict[str, CommsTemplate],
) -> None:
    log = full_record(Log().declare())
    log.add(
        EventKind.COMMS_COPIED,
        {"template": "executives", "audience": "executives", "channel": "osc52"},
        10,
    )
    log.add(EventKind.STATUS_CHANGED, {"status": "identified", "previous": "investigating"}, 12)
    state = log.state()
    executives = render(templates["executives"], state, LADDER, minutes(20), UTC)
    responders = render(templates["responders"], state, LADDER, minutes(20), UTC)
    assert (
        executives.startswith("UPDATE ") and "- 14:12 UTC: status is now identified" in executives
    )
    assert responders.startswith("[DECLARED] ") and "What changed" not in responders


def test_an_old_note_edited_after_the_last_update_is_news(
    templates: dict[str, CommsTemplate],
) -> None:
    log = full_record(Log().declare())
    finding = log.note("finding", "Suspect the cache", 5)
    log.comms(10)
    log.add(EventKind.ENTRY_EDITED, {"target": finding.id, "text": "Cause is the pool"}, 12)
    text = render(templates["responders"], log.state(), LADDER, minutes(15), UTC)
    assert "- 14:05 UTC: finding: Cause is the pool" in text
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
    assert template.unknown_in(PLACEHOLDERS) == ["owner", "eta"]
    draft = render_draft(template, Log().declare().state(), LADDER, minutes(1), UTC)
    assert draft.text == "Sev SEV-1, owner {owner}, again {owner}, ETA {eta}\n"
    assert draft.unknown == ["owner", "eta"]


def test_control_characters_are_made_visible_and_secrets_masked(
    templates: dict[str, CommsTemplate],
) -> None:
    log = Log().declare(title="Bell\x07 and \x1b[31mred\x1b[0m")
    log.probe("api", "down", "body: \x1b]0;owned\x07 [/x] [ERROR]", 1)
    log.note("finding", "DSN postgres://app:hunter2secret@db:5432/shop fails", 5)
    text = render(templates["responders"], log.state(), LADDER, minutes(6), UTC)
    assert "\x1b" not in text and "\x07" not in text
    assert "Bell\\x07 and \\x1b[31mred\\x1b[0m" in text
    assert "[/x] [ERROR]" in text
    assert "hunter2secret" not in text
    assert "postgres://app:***@db:5432/shop" in text


def test_next_update_follows_the_cadence_or_the_ics_choice_and_stops_at_resolution(
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
    assert context["next_update"] == "We will send the next update as soon as there is news."
    assert context["next_update_utc"] == ""  # P2 sets no cadence

    log.add(EventKind.SEVERITY_CHANGED, {"severity": "P0", "previous": "P2"}, 6)
    context = build_context(log.state(), p_ladder, minutes(7.5), UTC)
    assert context["next_update_utc"] == "2025-03-04 14:37 UTC"  # P0: every 30 minutes
    assert context["next_update"] == "Next update by 14:37 UTC, or sooner if anything changes."

    log.add(EventKind.RECORD_SET, {"field": "next_update_at", "value": "2025-03-04T14:25:00Z"}, 8)
    draft = render_draft(templates["executives"], log.state(), p_ladder, minutes(9), UTC)
    assert draft.promise == minutes(25)
    assert "Next update by 14:25 UTC" in draft.text

    log.add(EventKind.STATUS_CHANGED, {"status": "monitoring"}, 40)
    log.add(EventKind.STATUS_CHANGED, {"status": "resolved"}, 70)
    log.add(EventKind.RECORD_SET, {"field": "resolution", "value": "Reindexed search"}, 71)
    state = log.state()
    context = build_context(state, p_ladder, minutes(90), UTC)
    assert context["next_update"] == "This is the final update for this incident."
    assert context["duration"] == "1h 10m"  # the clock stops at resolution
    draft = render_draft(templates["executives"], state, p_ladder, minutes(90), UTC)
    assert draft.text.startswith("RESOLVED P0 Critical: Slow search")
    assert "Resolved at 2025-03-04 15:10 UTC." in draft.text
    assert "Resolution: Reindexed search" in draft.text
    assert "Mitigated at 2025-03-04 14:40 UTC." in draft.text
    assert draft.promise is None


def test_targets_never_leak_and_resolution_does_not_claim_time_left(
    templates: dict[str, CommsTemplate],
) -> None:
    log = full_record(Log().declare())
    log.probe("api", "down", "timeout", 1)
    over = render(templates["responders"], log.state(), LADDER, minutes(75), UTC)
    assert "Over the 1h 00m resolve target by 15m 00s." in over  # responders only
    for audience in ("executives", "support", "customers"):
        text = render(templates[audience], log.state(), LADDER, minutes(75), UTC)
        assert "target" not in text and " left" not in text, audience
    log.add(EventKind.STATUS_CHANGED, {"status": "resolved"}, 80)
    text = render(templates["responders"], log.state(), LADDER, minutes(85), UTC)
    assert "Resolved in 1h 20m, over the 1h 00m target." in text
    assert "left" not in text


def test_customers_get_nothing_internal(templates: dict[str, CommsTemplate]) -> None:
    log = full_record(Log().declare())
    log.probe("postgres-primary", "down", "connection refused", 1)
    log.note("finding", "Internal finding about pgbouncer", 5)
    log.note("decision", "Fail over to the replica", 5)
    log.note("todo", "Page the DBA @dave", 5)
    log.add(EventKind.STATUS_CHANGED, {"status": "identified"}, 6)
    text = render(templates["customers"], log.state(), LADDER, minutes(7), UTC)
    assert "We have found the cause and are working on a fix." in text
    assert text.startswith("Some customers cannot complete checkout.")
    assert "Workaround: Pay by invoice" in text
    for internal in (
        "pgbouncer",
        "postgres-primary",
        "Alice",
        "connection refused",
        "SEV-1",
        INCIDENT,
        "replica",
        "dave",
        "target",
        "Customers cannot pay",
    ):
        assert internal not in text, internal


def test_a_user_template_for_customers_cannot_pull_internal_values() -> None:
    template = parse_template(
        "+++\nid = 'c'\ntitle = 'C'\naudience = 'customers'\n+++\n"
        "Ref {id}, {severity_label}, {hypothesis}\n{status_statement}\n",
        "c.md",
    )
    assert template.external
    log = Log().declare()
    log.note("finding", "secret finding", 1)
    assert render(template, log.state(), LADDER, minutes(2), UTC) == (
        "We are investigating a problem and will share more as we learn it.\n"
    )


def test_a_line_of_empty_placeholders_is_dropped_but_blank_lines_are_kept() -> None:
    text, unknown = fill("{a}{b}\nx\n\n  {a}  \n{c}\n", {"a": "", "b": "", "c": "C"})
    assert text == "x\n\nC\n"
    assert unknown == []


def test_every_placeholder_has_a_value() -> None:
    context = build_context(Log().declare().state(), LADDER, minutes(1), UTC)
    assert set(context) == set(PLACEHOLDERS)
    assert context["severity"] == "SEV-1" and context["started"] == "2025-03-04 14:00 UTC"


# User templates -------------------------------------------------------------------------


def test_user_file_with_the_same_name_overrides_the_shipped_template() -> None:
    override = user_templates_dir() / "responders.md"
    override.write_text(
        "+++\nid = 'responders'\ntitle = 'Our update'\naudience = 'internal'\n+++\n"
        "{id}: {status} ({duration})\n",
        encoding="utf-8",
    )
    loaded, problems = load_templates()
    assert problems == []
    template = {t.id: t for t in loaded}["responders"]
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
        ("+++\nid = 'responders'\ntitle = 'T'\n", "no closing '+++'"),
        ("+++\nid = 'responders'\ntitle = = 'T'\n+++\nbody\n", "line 3: Invalid value"),
        ("+++\nid = 'responders'\ntitle = 'T'\n+++\nbody\n", "non-empty 'audience'"),
        ("+++\nid = 'x'\ntitle = 3\naudience = 'a'\n+++\nbody\n", "line 3: title must be"),
        ("+++\nid = 'x'\ntitle = 'T'\naudience = 'a'\ncolour = 'red'\n+++\nb\n", "line 5: unknown"),
        ("+++\nid = 'x'\ntitle = 'T'\naudience = 'a'\n+++\n\n  \n", "no text after its header"),
    ],
)
def test_a_broken_override_is_reported_and_the_shipped_template_used(
    content: str, expected: str
) -> None:
    broken = user_templates_dir() / "responders.md"
    broken.write_text(content, encoding="utf-8")
    loaded, problems = load_templates()
    assert len(problems) == 1
    assert problems[0].startswith(f"{broken}: ")
    assert expected in problems[0]
    assert problems[0].endswith("(using the shipped one)")
    template = {t.id: t for t in loaded}["responders"]
    assert template.source == "shipped"


def test_unreadable_and_clashing_user_templates_are_reported() -> None:
    folder = user_templates_dir()
    (folder / "binary.md").write_bytes(b"+++\nid = 'b'\n\xff\xfe\n")
    (folder / "twin.md").write_text(
        "+++\nid = 'responders'\ntitle = 'Twin'\naudience = 'internal'\n+++\nhi\n",
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


def test_long_lists_keep_the_latest_entries_and_say_how_many_are_hidden() -> None:
    log = Log().declare()
    for n in range(MAX_BULLETS + 5):
        log.note("finding", f"finding number {n}", 1 + n / 10)
    template = parse_template(
        "+++\nid = 't'\ntitle = 'T'\naudience = 'internal'\n+++\n{all_findings}\n", "t.md"
    )
    text = render(template, log.state(), LADDER, minutes(20), UTC)
    assert "- (5 earlier entries not shown: see the timeline)\n- finding number 5\n" in text
    assert f"- finding number {MAX_BULLETS + 4}\n" in text
    assert "finding number 4\n" not in text


def test_build_context_computes_only_what_is_asked() -> None:
    state = Log().declare().state()
    context = build_context(state, LADDER, minutes(1), UTC, names=["severity", "nope", "ic"])
    assert context == {"severity": "SEV-1", "ic": "Alice"}
