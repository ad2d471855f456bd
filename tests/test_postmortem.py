"""The post-mortem export: what the runbooks ask for, in order, with the right figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.model.events import EventKind, new_event
from warroom.model.incident import fold
from warroom.model.postmortem import from_json, to_json, to_markdown
from warroom.model.severity import PRESETS

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LADDER = PRESETS["sev1-sev3"]


def ev(kind: EventKind, minutes: float, **payload: object):  # type: ignore[no-untyped-def]
    at = T0 + timedelta(minutes=minutes)
    return new_event("INC-20261123-1", kind, "alice", payload, at=at, now=at)


def incident():  # type: ignore[no-untyped-def]
    wrong = ev(EventKind.NOTE, 2, text="it is DNS", note_kind="finding")
    key = ev(EventKind.NOTE, 6, text="pool exhausted by the batch job", note_kind="finding")
    events = [
        ev(EventKind.DECLARED, 0, title="Checkout down", severity="SEV-2", ladder="sev1-sev3"),
        wrong,
        ev(EventKind.SEVERITY_CHANGED, 5, severity="SEV-1", previous="SEV-2"),
        key,
        ev(EventKind.NOTE, 8, text="stop the batch job", note_kind="decision"),
        ev(EventKind.NOTE, 9, text="killed job 4411", note_kind="action"),
        ev(EventKind.NOTE, 10, text="alert on pool > 80%", note_kind="todo"),
        ev(EventKind.ENTRY_STRUCK, 11, target=wrong.id, reason="ruled out"),
        ev(EventKind.ENTRY_PINNED, 12, target=key.id),
        ev(EventKind.STATUS_CHANGED, 20, status="monitoring"),
        ev(EventKind.SEVERITY_CHANGED, 25, severity="SEV-2", previous="SEV-1"),
        ev(EventKind.STATUS_CHANGED, 65, status="resolved"),
    ]
    return fold(events)


def test_markdown_has_every_section_and_figure() -> None:
    state = incident()
    text = to_markdown(state, LADDER, T0 + timedelta(hours=3), ZoneInfo("Europe/Berlin"), "Berlin")
    assert text.startswith("# Post-mortem: INC-20261123-1: Checkout down")
    assert "- **Duration:** 1h 05m" in text
    assert "- **Time to mitigate:** 20m 00s" in text
    assert "- **Time to resolve:** 1h 05m" in text
    assert "| SEV-2 | 45m 00s |" in text and "| SEV-1 | 20m 00s |" in text
    assert "peak SEV-1" in text
    key_points = text.split("## Key points")[1].split("##")[0]
    assert "pool exhausted by the batch job" in key_points
    assert text.index("## Key points") < text.index("## Timeline")
    timeline = text.split("## Timeline")[1].split("## Findings")[0]
    assert "| 2026-11-23 14:06:00 | 15:06:00 | alice | finding |" in timeline
    assert "~~it is DNS~~ _(struck: ruled out)_" in timeline
    findings = text.split("## Findings")[1].split("## Decisions")[0]
    assert "pool exhausted" in findings and "it is DNS" not in findings
    assert "stop the batch job" in text.split("## Decisions")[1].split("## Actions")[0]
    assert "killed job 4411" in text.split("## Actions taken")[1].split("## Action items")[0]
    items = text.split("## Action items")[1]
    assert "| alert on pool > 80% | _nobody_ | - | Open | alice |" in items


def test_json_round_trips_to_the_same_state() -> None:
    state = incident()
    now = T0 + timedelta(hours=3)
    back = from_json(to_json(state, LADDER, now))
    assert [e.to_dict() for e in back.events] == [e.to_dict() for e in state.events]
    assert to_markdown(back, LADDER, now) == to_markdown(state, LADDER, now)
