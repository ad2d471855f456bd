"""Escalations in the console, driven with Pilot on a controllable clock: the header's
countdown, the prompt when the deadline fires (bell once, one timeline entry), and the
`E` modal's keys, each ending in a stored event. SVG snapshots of the modal and of the
header counting down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from rich.text import Text
from textual.notifications import Notification
from textual.widgets import Input, OptionList, Static
from textual.widgets._toast import Toast

from tests.ui_support import fixed_event, still
from warroom.config import Config
from warroom.model.events import Event, EventKind
from warroom.model.severity import PRESETS
from warroom.scenarios import load_scenarios
from warroom.services.incidents import IncidentService
from warroom.store.local import IncidentLog, LocalStore
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed
from warroom.ui.panes.header import place_urgent
from warroom.ui.screens.escalations import EscalationsScreen
from warroom.ui.screens.main import MainScreen
from warroom.ui.screens.main_escalations import PROMPT_SECONDS, PROMPT_TAIL

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
INCIDENT = "INC-20261123-4"
CATALOGUE = load_scenarios(include_user=False)


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def write_pool_incident(data_dir: Path) -> None:
    store = LocalStore(data_dir)
    store.ensure_folder()
    log = IncidentLog(store.folder / f"{INCIDENT}.jsonl")
    event = partial(fixed_event, INCIDENT)

    log.append_many(
        [
            event(
                EventKind.DECLARED,
                0,
                1,
                title="Checkout fails: orders-db connection pool exhausted",
                severity="SEV-2",
                ladder="sev1-sev3",
                scenario="database-connections",
                roles={"IC": "Alice"},
                impact="Checkout fails for most EU users",
            ),
            event(EventKind.NOTE, 2, 2, text="pool at 100/100, 340 waiting", note_kind="finding"),
            event(EventKind.NOTE, 5, 3, text="Restarted two cart pods", note_kind="action"),
        ]
    )


def make_pool_app(tmp_path: Path, clock: Clock) -> WarroomApp:
    data_dir = tmp_path / "data"
    write_pool_incident(data_dir)
    service = IncidentService(LocalStore(data_dir), "alice", PRESETS["sev1-sev3"], clock=clock)
    return WarroomApp(
        service,
        Config(),
        data_dir,
        incident_id=INCIDENT,
        feed=FixedProbeFeed([]),
        clock=clock,
        zone=UTC,
        zone_name="UTC",
        catalogue=CATALOGUE,
    )


async def wait_for(pilot, check, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        if check():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"never happened: {what}")


def header_text(app: WarroomApp) -> str:
    return str(app.screen.query_one("#header", Static).render())


def stored(tmp_path: Path) -> list[Event]:
    return LocalStore(tmp_path / "data").load_sync(INCIDENT).events


async def fire_due(app: WarroomApp) -> list[str]:
    """The clock moved: the console's runtime fires what is due (its scheduler would, on
    its next look; tests ask now). Returns the keys fired."""
    assert app.runtime is not None
    return [deadline.key for deadline in await app.runtime.fire_due()]


async def test_the_dba_prompt_comes_at_15_minutes_once_and_the_modal_acts(tmp_path: Path) -> None:
    clock = Clock(T0 + timedelta(minutes=12))
    app = make_pool_app(tmp_path, clock)
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "main screen")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen.query_one("#header").tick()
        assert "escalate to DBA team in 3m 00s" in header_text(app)
        assert await fire_due(app) == []  # 12 minutes: nothing is due yet
        clock.now = T0 + timedelta(minutes=14, seconds=59)
        assert await fire_due(app) == []
        clock.now = T0 + timedelta(minutes=15)
        assert await fire_due(app) == ["escalation:database-connections/dba-team"]
        await pilot.pause()
        assert bells == [1]
        assert await fire_due(app) == []  # fired once: its key is in the state
        await pilot.pause()
        assert bells == [1]
        (fired,) = [e for e in stored(tmp_path) if e.kind is EventKind.TIMER_FIRED]
        assert fired.payload["payload"]["contact"] == "DBA team"
        timers = [e for e in screen.state.entries if e.kind is EventKind.TIMER_FIRED]
        assert [t.text for t in timers] == ["Escalate to DBA team: after 15m"]
        screen.query_one("#header").tick()
        assert "⚠ ESCALATE: DBA team (E)" in header_text(app)

        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EscalationsScreen), "modal")
        modal = app.screen
        draft = str(modal.query_one("#escalation-draft", Static).render())
        assert "ESCALATION NEEDED: DBA team" in draft
        assert "Impact: Checkout fails for most EU users" in draft
        assert "- Restarted two cart pods" in draft
        await pilot.press("y")
        assert app.clipboard.startswith("ESCALATION NEEDED: DBA team")

        clock.now = T0 + timedelta(minutes=16)
        await pilot.press("z")
        await wait_for(pilot, lambda: bool(app.screen.query(Input)), "snooze prompt")
        await pilot.press(*"10m failover running", "enter")
        await wait_for(
            pilot,
            lambda: any(e.kind is EventKind.ESCALATION for e in stored(tmp_path)),
            "snooze stored",
        )
        snooze = [e for e in stored(tmp_path) if e.kind is EventKind.ESCALATION][-1]
        assert snooze.payload["action"] == "snoozed"
        assert snooze.payload["reason"] == "failover running"
        assert snooze.payload["until"] == "2026-11-23T14:26:00.000000Z"

        clock.now = T0 + timedelta(minutes=17)
        await wait_for(pilot, lambda: isinstance(app.screen, EscalationsScreen), "modal back")
        await pilot.press("m")
        await wait_for(pilot, lambda: bool(app.screen.query(Input)), "who prompt")
        await pilot.press("enter")  # DBA team, as prefilled
        await wait_for(
            pilot,
            lambda: bool(app.screen.query(Input)) and app.screen.query_one(Input).value == "phone",
            "how prompt",
        )
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: (
                [
                    e.payload.get("action")
                    for e in stored(tmp_path)
                    if e.kind is EventKind.ESCALATION
                ]
                == ["snoozed", "escalated"]
            ),
            "escalation stored",
        )
        done = [e for e in stored(tmp_path) if e.kind is EventKind.ESCALATION][-1]
        assert (done.payload["to"], done.payload["how"], done.at) == (
            "DBA team",
            "phone",
            clock.now,
        )
        await wait_for(
            pilot,
            lambda: (
                "done 2m 00s late by phone"
                in " ".join(str(o.prompt) for o in app.screen.query_one(OptionList).options)
            ),
            "listed as done",
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "back to main")
        texts = [e.text for e in screen.state.entries]
        assert "Escalation to DBA team snoozed until 14:26 UTC: failover running" in texts
        assert "Escalated to DBA team by phone" in texts


async def test_dismiss_needs_a_reason_and_is_logged(tmp_path: Path) -> None:
    clock = Clock(T0 + timedelta(minutes=20))
    app = make_pool_app(tmp_path, clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "main screen")
        await pilot.pause()
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EscalationsScreen), "modal")
        await pilot.press("d")
        await wait_for(pilot, lambda: bool(app.screen.query(Input)), "dismiss prompt")
        await pilot.press("enter")  # no reason: refused, nothing stored
        await pilot.pause(0.1)
        assert not [e for e in stored(tmp_path) if e.kind is EventKind.ESCALATION]
        await wait_for(pilot, lambda: isinstance(app.screen, EscalationsScreen), "modal again")
        await pilot.press("d")
        await wait_for(pilot, lambda: bool(app.screen.query(Input)), "dismiss prompt")
        await pilot.press(*"[bold]DBA already on the bridge[/x]", "enter")
        await wait_for(
            pilot,
            lambda: any(e.kind is EventKind.ESCALATION for e in stored(tmp_path)),
            "dismissal stored",
        )
        (event,) = [e for e in stored(tmp_path) if e.kind is EventKind.ESCALATION]
        assert event.payload["reason"] == "[bold]DBA already on the bridge[/x]"
        await wait_for(
            pilot,
            lambda: (
                "dismissed: [bold]DBA already on the bridge[/x]"
                in " ".join(str(o.prompt) for o in app.screen.query_one(OptionList).options)
            ),
            "listed as dismissed, as typed",
        )


async def test_at_80x24_a_due_escalation_keeps_the_title_and_its_notice_goes(
    tmp_path: Path,
) -> None:
    """The mark of an escalation due now fits the header without cutting the title (it
    went before the title, which then read "A bad r…" in a drill); its notice is short,
    and pressing E takes it off the screen rather than leaving it over the modal."""
    clock = Clock(T0 + timedelta(minutes=14))
    app = make_pool_app(tmp_path, clock)
    app.bell = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen), "main screen")
        await pilot.pause()
        clock.now = T0 + timedelta(minutes=16)
        assert await fire_due(app) == ["escalation:database-connections/dba-team"]
        await wait_for(pilot, lambda: bool(escalation_notices(app)), "the notice")
        (notice,) = escalation_notices(app)
        assert notice.timeout <= PROMPT_SECONDS <= 20
        app.screen.query_one("#header").tick()
        first, second = header_text(app).splitlines()[:2]
        assert f"{INCIDENT} Checkout fails: orders-db" in first, first
        assert "⚠ ESCALATE" in first + second and "(E)" in first + second
        assert "next update in" in second or "UPDATE OVERDUE" in second, second
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(app.screen, EscalationsScreen), "modal")
        await pilot.pause()
        assert escalation_notices(app) == []
        shown = " ".join(str(toast.render()) for toast in app.screen.query(Toast))
        assert "Press E" not in shown


def escalation_notices(app: WarroomApp) -> list[Notification]:
    return [n for n in app._notifications if n.message.endswith(PROMPT_TAIL)]


def test_the_urgent_mark_is_placed_by_the_room_there_is() -> None:
    head = Text(" SEV-2  INC-1 ")
    title = "A bad release takes the API down"
    first = Text.assemble(head, title)
    status = "INVESTIGATING  ⏱ 00:00:26  IC: unassigned"
    urgent = "  ⚠ ESCALATE: the on-call engineer (E)"
    second = Text(status + urgent + "  next update in 3s")
    short = Text("⚠ ESCALATE (E)")

    def place(width: int) -> tuple[str, str]:
        one, two = place_urgent(
            first.copy(), second.copy(), len(head), len(status), len(urgent), short, width
        )
        return one.plain, two.plain

    # Room on the second line for the short mark: in its place, the title whole.
    assert place(78) == (first.plain, f"{status}  ⚠ ESCALATE (E)  next update in 3s")
    # No room there: after the title, the title cut (not before it, not under 20 cells).
    one, two = place(60)
    assert one == " SEV-2  INC-1 A bad release takes the API d…  ⚠ ESCALATE (E)", one
    assert two == f"{status}  next update in 3s"
    # Too narrow for even that: back on the second line (its end is cut later).
    one, two = place(40)
    assert one == first.plain and "⚠ ESCALATE (E)" in two


def _modal():  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen), "main")
        await pilot.pause()
        await pilot.press("E")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, EscalationsScreen), "modal")
        await pilot.pause()
        still(pilot.app)
        await pilot.pause()

    return run_before


def _header():  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen), "main")
        await pilot.pause()
        pilot.app.screen.query_one("#header").tick()
        await pilot.pause()
        still(pilot.app)
        await pilot.pause()

    return run_before


def test_escalations_modal_snapshot(snap_compare, tmp_path: Path) -> None:
    app = make_pool_app(tmp_path, Clock(T0 + timedelta(minutes=16)))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_modal())


def test_header_escalation_countdown_snapshot(snap_compare, tmp_path: Path) -> None:
    app = make_pool_app(tmp_path, Clock(T0 + timedelta(minutes=11)))
    assert snap_compare(app, terminal_size=(120, 40), run_before=_header())
