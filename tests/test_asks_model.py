"""Asks and handoffs as pure functions: reading what is typed, the fold, the timed rules
and the handoff brief."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warroom.model.asks import (
    AskDeadlineRule,
    AskError,
    AskRequest,
    ask_counts,
    ask_line,
    by_stream,
    clean_owner,
    clean_question,
    clean_stream,
    closed_asks,
    countdown,
    find_ask,
    format_box,
    open_asks,
    parse_ask_line,
    parse_time_box,
    waiting_on_lines,
)
from warroom.model.comms import render
from warroom.model.comms_template import parse_template
from warroom.model.events import EventKind, format_utc, new_event
from warroom.model.handoff import (
    IcStintRule,
    handoff_brief,
    ic_stint,
    stint_warning,
    unheld_roles,
)
from warroom.model.incident import fold
from warroom.model.severity import PRESETS
from warroom.model.timed import due_now, next_upcoming, pending

T0 = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
LADDER = PRESETS["sev1-sev3"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def event(kind: EventKind, minutes: float, author: str = "dana", **payload: Any) -> Any:
    return new_event("INC-1", kind, author, payload, now=at(minutes))


def declared(**roles: str) -> Any:
    return event(EventKind.DECLARED, 0, title="Checkout fails", severity="SEV-2", roles=roles or {})


def ask(minutes: float, ask_id: str, due: float, owner: str = "dana", **more: Any) -> Any:
    payload = {"action": "open", "ask": ask_id, "owner": owner, "question": "check replica lag"}
    return event(EventKind.ASK, minutes, **{**payload, "due": format_utc(at(due)), **more})


def change(minutes: float, ask_id: str, action: str, **more: Any) -> Any:
    return event(EventKind.ASK, minutes, ask=ask_id, action=action, **more)


# Reading what is typed ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "box"),
    [
        ("5m", timedelta(minutes=5)),
        ("+10m", timedelta(minutes=10)),
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("7", timedelta(minutes=7)),
        (" 2M ", timedelta(minutes=2)),
        ("24h", timedelta(hours=24)),
    ],
)
def test_time_boxes_read(typed: str, box: timedelta) -> None:
    assert parse_time_box(typed) == box


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "write it as 5m"),
        ("soon", "write it as 5m"),
        ("-5m", "write it as 5m"),
        ("0m", "longer than 0s"),
        ("25h", "longer than 24h"),
        ("99999999999h", "longer than 24h"),
        ("5m\x1b[31m", "write it as 5m"),
        ("m", "write it as 5m"),
    ],
)
def test_bad_time_boxes_are_refused_in_one_line(typed: str, said: str) -> None:
    with pytest.raises(AskError, match=said) as caught:
        parse_time_box(typed)
    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)


def test_format_box_writes_back_what_parse_reads() -> None:
    for text in ("5m", "1m30s", "1h30m", "2h", "45s"):
        assert format_box(parse_time_box(text)) == text


def test_an_ask_line_with_box_and_workstream_in_either_order() -> None:
    assert parse_ask_line("@dana check replica lag 5m #db") == AskRequest(
        "dana", "check replica lag", timedelta(minutes=5), "db"
    )
    assert parse_ask_line("@dana check replica lag #db in 10m") == AskRequest(
        "dana", "check replica lag", timedelta(minutes=10), "db"
    )
    assert parse_ask_line("@Marco.B is the deploy frozen?") == AskRequest(
        "Marco.B", "is the deploy frozen?", None, ""
    )
    # a number inside the question is not a time box; a '#' inside it is not a stream
    assert parse_ask_line("@lee open ticket #42 for 5 hosts") == AskRequest(
        "lee", "open ticket #42 for 5 hosts", None, ""
    )
    assert parse_ask_line("@lee count the 5 hosts").box is None


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "type @owner"),
        ("check replica lag", "start with who you ask"),
        ("@ check", "write a handle like @dana"),
        ("@[bold]x check", "write a handle like @dana"),
        ("@dana", "needs a question"),
        ("@dana 5m", "needs a question"),
        ("@dana " + "x" * 400, "longer than 300"),
        ("@dana check 99h", "longer than 24h"),
    ],
)
def test_bad_ask_lines_say_what_is_wrong(typed: str, said: str) -> None:
    with pytest.raises(AskError, match=said):
        parse_ask_line(typed)


# The fold -----------------------------------------------------------------------------


def test_an_ask_is_opened_extended_reassigned_and_answered_in_the_fold() -> None:
    state = fold(
        [
            declared(IC="Dana"),
            ask(1, "k3f9", due=6, stream="db"),
            change(5, "k3f9", "extend", due=format_utc(at(11)), box="5m"),
            change(7, "k3f9", "reassign", owner="marco", previous="dana", due=format_utc(at(12))),
            change(
                9,
                "k3f9",
                "answer",
                answer="lag 30s and falling",
                author="marco",
                owner="marco",
                question="check replica lag",
            ),
            change(10, "k3f9", "drop"),  # a closed ask stays as it was closed
        ]
    )
    item = state.asks["k3f9"]
    assert (item.status, item.owner, item.owners, item.extensions) == (
        "answered",
        "marco",
        ["dana", "marco"],
        1,
    )
    assert (item.answer, item.closed_at, item.due) == ("lag 30s and falling", at(9), at(12))
    assert open_asks(state) == []
    texts = [e.text for e in state.entries if e.kind is EventKind.ASK]
    assert texts[0] == "Ask @dana: check replica lag [db], due 14:06:00 UTC"
    assert texts[2].startswith("Ask re-asked @dana -> @marco")
    assert texts[3] == "Answer from @marco (check replica lag): lag 30s and falling"
    assert state.asks["k3f9"].closed_by == "marco"


def test_actions_on_unknown_asks_and_damaged_payloads_change_nothing() -> None:
    state = fold(
        [
            declared(),
            ask(1, "k3f9", due=6),
            ask(2, "k3f9", due=60, owner="eve"),  # the same id twice: the first counts
            change(3, "zzzz", "answer", answer="x"),
            change(3, "k3f9", "extend", due="not a time"),
            change(3, "k3f9", "nonsense"),
            event(EventKind.ASK, 3, action="open"),  # no id
        ]
    )
    assert list(state.asks) == ["k3f9"]
    assert (state.asks["k3f9"].owner, state.asks["k3f9"].due) == ("dana", at(6))


def test_open_asks_soonest_first_grouped_with_the_most_urgent_group_first() -> None:
    state = fold(
        [
            declared(),
            ask(1, "aaaa", due=20, stream="db"),
            ask(1, "bbbb", due=5),
            ask(1, "cccc", due=10, stream="db"),
        ]
    )
    assert [a.id for a in open_asks(state)] == ["bbbb", "cccc", "aaaa"]
    groups = by_stream(open_asks(state))
    assert [(name, [a.id for a in asks]) for name, asks in groups] == [
        ("", ["bbbb"]),
        ("db", ["cccc", "aaaa"]),
    ]


def test_find_ask_by_prefix_and_its_refusals() -> None:
    state = fold(
        [
            declared(),
            ask(1, "k3f9", due=6),
            ask(1, "k3aa", due=6),
            ask(1, "pq22", due=6),
            change(2, "pq22", "drop"),
        ]
    )
    assert find_ask(state, "K3F").id == "k3f9"
    with pytest.raises(AskError, match="2 asks start with 'k3'"):
        find_ask(state, "k3")
    with pytest.raises(AskError, match="already dropped"):
        find_ask(state, "pq")
    with pytest.raises(AskError, match="no open ask"):
        find_ask(state, "zz")
    with pytest.raises(AskError, match="name the ask"):
        find_ask(state, " ")
    assert find_ask(state, "pq", open_only=False).status == "dropped"


def test_countdown_turns_overdue_at_the_deadline() -> None:
    state = fold([declared(), ask(1, "k3f9", due=6)])
    item = state.asks["k3f9"]
    assert countdown(item, at(1)) == "5:00 left"
    assert not item.overdue(at(6) - timedelta(seconds=1))
    assert item.overdue(at(6)) and countdown(item, at(6)) == "OVERDUE 0:00"
    assert countdown(item, at(7)) == "OVERDUE 1:00"
    assert countdown(item, at(6) - timedelta(hours=2)) == "2:00:00 left"


# The timed rules ------------------------------------------------------------------------


def fired(key: str, minutes: float, author: str = "console-a") -> Any:
    payload = {"key": key, "rule": "ask-expired", "message": "m", "automatic": True}
    return event(EventKind.TIMER_FIRED, minutes, author=author, **payload)


def test_an_ask_deadline_fires_once_and_an_extension_is_a_new_deadline() -> None:
    rules = [AskDeadlineRule()]
    events = [declared(), ask(1, "k3f9", due=6, stream="db")]
    state = fold(events)
    assert due_now(rules, state, at(5.99)) == []
    upcoming = next_upcoming(rules, state, at(2))
    assert upcoming is not None and upcoming.at == at(6)
    (due,) = due_now(rules, state, at(6))
    assert due.message == "Ask overdue: @dana check replica lag (due 14:06:00 UTC)"
    assert due.payload == {"ask": "k3f9", "owner": "dana"}
    # fired by two consoles: one entry, never due again
    state = fold([*events, fired(due.key, 6), fired(due.key, 6, "console-b")])
    assert due_now(rules, state, at(8)) == []
    assert sum(1 for e in state.entries if e.kind is EventKind.TIMER_FIRED) == 1
    # extended: a new deadline with a new key, due at the new time
    events += [fired(due.key, 6), change(8, "k3f9", "extend", due=format_utc(at(13)))]
    state = fold(events)
    assert due_now(rules, state, at(12)) == []
    (again,) = due_now(rules, state, at(13))
    assert again.key != due.key and again.at == at(13)
    # answered: nothing more, and a resolved incident fires nothing
    state = fold([*events, change(9, "k3f9", "answer", answer="ok")])
    assert pending(rules, state, at(20)) == []
    resolved = event(EventKind.STATUS_CHANGED, 3, status="resolved")
    assert pending(rules, fold([declared(), ask(1, "x", due=2), resolved]), at(9)) == []


def test_the_ic_stint_rule_fires_once_per_stint() -> None:
    rule = IcStintRule(timedelta(hours=3))
    events = [declared(IC="Dana")]
    state = fold(events)
    (first,) = rule.deadlines(state, at(1))
    assert first.at == at(180) and first.message == "IC Dana on for 3h 00m: consider a handoff"
    assert stint_warning(state, at(179), timedelta(hours=3)) == ""
    assert stint_warning(state, at(190), timedelta(hours=3)) == (
        "IC on for 3h 10m: consider a handoff"
    )
    handoff = event(EventKind.ROLE_ASSIGNED, 200, role="IC", name="Marco", previous="Dana")
    state = fold([*events, handoff])
    (second,) = rule.deadlines(state, at(201))
    assert second.key != first.key and second.at == at(380)
    assert ic_stint(state, at(210)) == timedelta(minutes=10)
    # the same person assigned again keeps the stint running
    again = event(EventKind.ROLE_ASSIGNED, 220, role="IC", name="Marco")
    assert ic_stint(fold([*events, handoff, again]), at(230)) == timedelta(minutes=30)
    cleared = event(EventKind.ROLE_ASSIGNED, 220, role="IC", name="")
    assert list(rule.deadlines(fold([*events, handoff, cleared]), at(230))) == []


# The handoff brief ----------------------------------------------------------------------


def test_the_handoff_brief_says_what_a_new_ic_needs() -> None:
    state = fold(
        [
            declared(IC="Dana", Ops="Sam"),
            event(EventKind.RECORD_SET, 1, field="impact", value="Checkout fails for EU users"),
            finding := event(EventKind.NOTE, 2, text="lag 40s on db-2", note_kind="finding"),
            theory := event(
                EventKind.NOTE, 2, text="replica lag on orders-db-2", note_kind="hypothesis"
            ),
            pool := event(EventKind.NOTE, 2, text="pool exhausted", note_kind="hypothesis"),
            event(EventKind.EVIDENCE_LINKED, 2, target=theory.id, finding=finding.id),
            event(EventKind.HYPOTHESIS_STATE, 2, target=pool.id, state="ruled_out", reason="60%"),
            event(EventKind.NOTE, 3, text="failed reads over to replica 1", note_kind="action"),
            event(
                EventKind.NOTE,
                4,
                text="freeze deploys until lag < 5s",
                note_kind="decision",
                objections_asked=True,
                objections=[],
                decided_by="Dana",
            ),
            ask(5, "k3f9", due=10, stream="db"),
            ask(5, "pq22", due=8, owner="lee", question="[bold]vendor\x1b[2J status"),
            change(6, "pq22", "answer", answer="no incident on their side"),
        ]
    )
    brief = handoff_brief(state, LADDER, at(12), timedelta(hours=3))
    lines = brief.splitlines()
    assert lines[0] == "HANDOFF BRIEF INC-1 at 14:12 UTC"
    assert lines[1] == "SEV-2 Major degradation: Checkout fails"
    assert "Status: investigating" in lines
    assert "Impact: Checkout fails for EU users" in lines
    assert "- IC: Dana" in lines and "- Dev: NOBODY (unheld)" in lines
    assert "- IC stint: 12m 00s" in lines
    assert "- [k3f9] @dana: check replica lag (due 14:10 UTC, OVERDUE 2:00)" in lines
    assert "pq22" not in brief  # answered: not open
    assert "- replica lag on orders-db-2 (open, 1 finding behind it)" in lines
    assert "- ruled out: pool exhausted: 60%" in lines
    assert (
        "- 14:04 UTC freeze deploys until lag < 5s (decided by Dana; objections asked, none raised)"
    ) in lines
    assert "- 14:03 UTC failed reads over to replica 1" in lines
    assert any(line == "Next update due: 16:00 UTC (in 1h 48m)" for line in lines)
    assert "\x1b" not in brief
    assert unheld_roles(state) == ["Dev", "Comms"]
    late = handoff_brief(state, LADDER, at(200), timedelta(hours=3))
    assert "- IC stint: 3h 20m (IC on for 3h 20m: consider a handoff)" in late.splitlines()


def test_responders_update_lists_open_asks_and_customers_never_see_them() -> None:
    state = fold([declared(IC="Dana"), ask(1, "k3f9", due=6, question="check replica lag")])
    responders = parse_template(
        "+++\nid = 'r'\ntitle = 'R'\naudience = 'responders'\n+++\nWaiting on:\n{open_asks}\n",
        "r.md",
    )
    customers = parse_template(
        "+++\nid = 'c'\ntitle = 'C'\naudience = 'customers'\n+++\nWaiting on:\n{open_asks}\n\nok\n",
        "c.md",
    )
    text = render(responders, state, LADDER, at(2), UTC)
    assert "- waiting on @dana: check replica lag (due 14:06 UTC)" in text
    late = render(responders, state, LADDER, at(7), UTC)
    assert "- waiting on @dana: check replica lag (overdue since 14:06 UTC)" in late
    assert render(customers, state, LADDER, at(2), UTC).strip() == "ok"


# Edges found by mutation testing (mutmut on asks.py and handoff.py) ---------------------


def test_the_whole_brief_as_a_new_ic_reads_it() -> None:
    state = fold(
        [
            declared(IC="Dana", Ops="Sam", Dev="Lee", Comms="Ana", Scribe="Bo"),
            ask(1, "k3f9", due=20, stream="db"),
            *(
                event(EventKind.NOTE, 2 + n, text=f"decision {n}", note_kind="decision")
                for n in range(10)
            ),
        ]
    )
    assert handoff_brief(state, LADDER, at(15), timedelta(hours=3)) == (
        "HANDOFF BRIEF INC-1 at 14:15 UTC\n"
        "SEV-2 Major degradation: Checkout fails\n"
        "Status: investigating\n"
        "Impact: (not written: set it with R)\n"
        "Next update due: 16:00 UTC (in 1h 45m)\n"
        "\n"
        "Command:\n"
        "- IC: Dana\n"
        "- Ops: Sam\n"
        "- Dev: Lee\n"
        "- Comms: Ana\n"
        "- Scribe: Bo\n"
        "- IC stint: 15m 00s\n"
        "\n"
        "Open asks (1):\n"
        "- [k3f9] @dana: check replica lag (due 14:20 UTC, 5:00 left)\n"
        "\n"
        "Live hypotheses:\n"
        "- none recorded\n"
        "\n"
        "Decisions:\n"
        "- (2 earlier not shown: see the timeline)\n"
        + "".join(f"- 14:{2 + n:02d} UTC decision {n}\n" for n in range(2, 10))
        + "\n"
        "What was tried:\n"
        "- nothing recorded\n"
    )
    assert unheld_roles(state) == []
    drill = event(EventKind.DECLARED, 0, title="t", severity="SEV-2", drill=True)
    overdue = handoff_brief(fold([drill]), LADDER, at(200))
    assert overdue.startswith("*** DRILL: this is an exercise, not a real incident ***\n")
    assert "Next update due: 16:00 UTC (overdue by 1h 20m)" in overdue
    assert "- IC: NOBODY (unheld)" in overdue and "IC stint" not in overdue


def test_texts_from_other_consoles_stay_on_one_line_everywhere() -> None:
    two_lines = "check lag\nthen restart"
    state = fold([declared(IC="Dana"), ask(1, "k3f9", due=6, question=two_lines)])
    item = state.asks["k3f9"]
    (deadline,) = AskDeadlineRule().deadlines(state, at(2))
    for text in (
        handoff_brief(state, LADDER, at(2)),
        deadline.message,
        waiting_on_lines(state, at(2)),
    ):
        assert "check lag ⏎ then restart" in text
    assert "\n" not in countdown(item, at(2)) and "⏎" in ask_line(item, at(2))
    assert deadline.rule == "ask-expired"


def test_waiting_on_lines_one_per_open_ask_soonest_first() -> None:
    state = fold(
        [
            declared(),
            ask(1, "aaaa", due=9, owner="lee", question="vendor status"),
            ask(1, "bbbb", due=4),
            ask(1, "cccc", due=5, owner="ana"),
            change(2, "cccc", "drop"),
        ]
    )
    assert waiting_on_lines(state, at(5)) == (
        "- waiting on @dana: check replica lag (overdue since 14:04 UTC)\n"
        "- waiting on @lee: vendor status (due 14:09 UTC)"
    )


def test_rules_skip_closed_asks_and_yield_every_open_one() -> None:
    state = fold(
        [
            declared(IC="Dana"),
            ask(1, "aaaa", due=3),
            change(2, "aaaa", "answer", answer="ok"),
            ask(1, "bbbb", due=4),
            ask(1, "cccc", due=5),
        ]
    )
    found = list(AskDeadlineRule().deadlines(state, at(2)))
    assert [d.payload["ask"] for d in found] == ["bbbb", "cccc"]
    (stint,) = IcStintRule(timedelta(hours=1)).deadlines(state, at(2))
    assert (stint.rule, stint.payload) == ("ic-stint", {"ic": "Dana"})
    resolved = fold([declared(IC="Dana"), event(EventKind.STATUS_CHANGED, 3, status="resolved")])
    assert list(IcStintRule().deadlines(resolved, at(9))) == []
    assert list(IcStintRule().deadlines(fold([declared()]), at(9))) == []


def test_small_readers_at_their_edges() -> None:
    assert format_box(timedelta(0)) == "0s"
    assert clean_stream("#db") == "db" and clean_stream("  ") == ""
    with pytest.raises(AskError, match=r"workstream .a\\x1bb.: one word"):
        clean_stream("a\x1bb")
    assert len(clean_question("x" * 300)) == 300
    with pytest.raises(AskError, match="an ask needs a question: @dana check replica lag"):
        clean_question(" \n ")
    with pytest.raises(AskError, match=r"no open ask 'z\\x1b' \(see: warroom asks ID\)"):
        find_ask(fold([declared()]), "z\x1b")
    with pytest.raises(AskError, match=r"name the ask by its id \(first characters; see: warroom"):
        find_ask(fold([declared()]), "")
    assert parse_ask_line("@dana x in").question == "x in"  # 'in' alone is a word
    assert parse_ask_line("@dana restart 5 hosts").box is None


def test_every_ask_action_reads_on_its_own_in_the_timeline() -> None:
    about = {"owner": "dana", "question": "check lag"}
    due = format_utc(at(9))
    cases = [
        (
            {"action": "open", "stream": "db", "due": due},
            "Ask @dana: check lag [db], due 14:09:00 UTC",
        ),
        ({"action": "open"}, "Ask @dana: check lag"),
        ({"action": "answer", "answer": "30s"}, "Answer from @dana (check lag): 30s"),
        (
            {"action": "extend", "box": "5m", "due": due},
            "Ask @dana extended +5m: check lag, due 14:09:00 UTC",
        ),
        (
            {"action": "reassign", "previous": "lee", "due": due},
            "Ask re-asked @lee -> @dana: check lag, due 14:09:00 UTC",
        ),
        ({"action": "reassign"}, "Ask re-asked @dana: check lag"),
        ({"action": "drop", "reason": "moot"}, "Ask dropped (@dana): check lag: moot"),
        ({"action": "drop"}, "Ask dropped (@dana): check lag"),
        ({"action": "nonsense"}, "Ask @dana: check lag"),
    ]
    for payload, text in cases:
        (entry,) = [e for e in fold([event(EventKind.ASK, 1, **about, **payload)]).entries]
        assert entry.text == text
    (bare,) = fold([event(EventKind.ASK, 1, action="answer")]).entries
    assert bare.text == "Answer from @ (): "


def test_fold_details_a_drop_reason_extensions_and_damaged_opens() -> None:
    state = fold(
        [
            declared(),
            ask(1, "aaaa", due=5),
            change(2, "aaaa", "extend", due=format_utc(at(8))),
            change(3, "aaaa", "extend", due=format_utc(at(11))),
            change(4, "aaaa", "drop", reason="moot"),
            event(EventKind.ASK, 5, action="open", ask="bbbb"),  # no owner, question, due
        ]
    )
    dropped = state.asks["aaaa"]
    assert (dropped.extensions, dropped.answer, dropped.status) == (2, "moot", "dropped")
    assert (dropped.closed_at, dropped.closed_by, dropped.asked_at) == (at(4), "dana", at(1))
    damaged = state.asks["bbbb"]
    assert (damaged.owner, damaged.question, damaged.stream) == ("", "", "")
    assert damaged.due == at(10)  # the default time box from when it was asked
    assert damaged.asked_by == "dana"
    assert [a.id for a in closed_asks(state)] == ["aaaa"]
    assert ask_counts(state, at(11)) == (1, 1) and ask_counts(state, at(9)) == (1, 0)


def test_boundaries_of_time_left_and_of_the_stint() -> None:
    state = fold([declared(IC="Dana"), ask(1, "k3f9", due=6)])
    item = state.asks["k3f9"]
    assert countdown(item, at(6) - timedelta(seconds=1)) == "0:01 left"
    assert (
        stint_warning(state, at(60), timedelta(hours=1)) == "IC on for 1h 00m: consider a handoff"
    )
    assert stint_warning(state, at(59.99), timedelta(hours=1)) == ""
    assert parse_time_box("1h 30m") == timedelta(hours=1, minutes=30)
    assert clean_owner("dana") == "dana" and clean_owner(" @Dana ") == "Dana"
    with pytest.raises(AskError, match=r"owner 'da na': write a handle like @dana \(letters"):
        clean_owner("da na")
    with pytest.raises(AskError, match="a time box must be longer than 0s"):
        parse_time_box("0s")


def test_the_brief_with_nothing_to_report_says_so() -> None:
    brief = handoff_brief(fold([declared(IC="Dana")]), LADDER, at(1))
    assert "Open asks (0):\n- none\n" in brief
    assert "Decisions:\n- none recorded\n" in brief
    assert "What was tried:\n- nothing recorded\n" in brief
    assert "Live hypotheses:\n- none recorded\n" in brief
    long_name = "D" * 70
    assert f"- IC: {'D' * 59}…\n" in handoff_brief(fold([declared(IC=long_name)]), LADDER, at(1))


def test_closed_asks_newest_first_and_typed_newlines_stay_visible() -> None:
    state = fold(
        [
            declared(),
            ask(1, "aaaa", due=9),
            ask(1, "bbbb", due=9),
            change(2, "bbbb", "answer", answer="first"),
            change(3, "aaaa", "drop"),
            event(EventKind.ASK, 4, action="open", ask="cccc", owner="x", question="q"),
            change(5, "cccc", "answer"),  # no answer text: an empty one, not "None"
        ]
    )
    assert [a.id for a in closed_asks(state)] == ["cccc", "aaaa", "bbbb"]
    assert state.asks["cccc"].answer == ""
    for bad, reader in (("da\nna", clean_owner), ("d\nb", clean_stream), ("5\nm", parse_time_box)):
        with pytest.raises(AskError) as caught:
            reader(bad)
        assert "\n" not in str(caught.value) and "⏎" in str(caught.value)
    assert parse_ask_line("@dana check 90s").box == timedelta(seconds=90)
    assert parse_ask_line("@dana check 2h").box == timedelta(hours=2)
