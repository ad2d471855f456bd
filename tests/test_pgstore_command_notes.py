"""Hypotheses, decisions and action items on one shared incident in a real throwaway
PostgreSQL: two consoles (Pilot) and the CLI write, and every console folds the same
events into the same hypotheses, decisions and action items."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.support.pgstore import make_store
from tests.test_pgstore_console import LADDER, console, main_screen, until
from warroom.cli import main
from warroom.model.actions import action_items
from warroom.model.decisions import decisions
from warroom.model.events import NoteKind
from warroom.model.hypotheses import CONFIRMED, RULED_OUT, hypotheses
from warroom.services.incidents import IncidentService
from warroom.ui.screens.decision import DecisionScreen
from warroom.ui.screens.hypotheses import HypothesesScreen
from warroom.ui.screens.picker import TextPromptScreen

pytestmark = pytest.mark.postgres


def summary(state):  # type: ignore[no-untyped-def]
    return (
        [(h.text, h.state, h.reason, [e.id for e in h.evidence]) for h in hypotheses(state)],
        [(d.text, d.objections_asked, d.objections, d.decided_by) for d in decisions(state)],
        [(i.text, i.owner, i.due, i.done) for i in action_items(state)],
    )


async def test_two_consoles_and_the_cli_agree_on_hypotheses_decisions_and_todos(
    dsn: str, tmp_path: Path
) -> None:
    setup = make_store(dsn, tmp_path / "setup")
    service = IncidentService(setup, "alice", LADDER)
    declared = await service.declare("Checkout fails", "SEV-1", roles={"IC": "Ivy"})
    incident = declared.incident_id
    await service.note(incident, "replica-2 lag 40 s", NoteKind.FINDING)
    await setup.close()

    ic, scribe = console(dsn, tmp_path, "ivy", incident), console(dsn, tmp_path, "sam", incident)
    async with ic.run_test(size=(80, 24)) as ivy, scribe.run_test(size=(80, 24)) as sam:
        mine, theirs = await main_screen(ivy), await main_screen(sam)
        # Sam opens the hypotheses board and writes one; Ivy's console shows it.
        await sam.press("h")
        await until(sam, lambda: isinstance(scribe.screen, HypothesesScreen))
        await sam.press("n")
        await until(sam, lambda: isinstance(scribe.screen, TextPromptScreen))
        scribe.screen.query_one(Input).value = "replica lag from the deploy"
        await sam.press("enter")
        await until(ivy, lambda: bool(hypotheses(mine.session.state)))

        # Ivy, with the board open, rules it out; Sam's open board redraws with it.
        await ivy.press("h")
        await until(ivy, lambda: isinstance(ic.screen, HypothesesScreen))
        await ivy.press("x")
        await until(ivy, lambda: isinstance(ic.screen, TextPromptScreen))
        ic.screen.query_one(Input).value = "lag is 0 s on every replica"
        await ivy.press("enter")
        await until(
            sam, lambda: "RULED OUT" in str(scribe.screen.query_one(DataTable).get_row_at(0)[0])
        )
        await ivy.press("escape")

        # The CLI, from a third terminal: another hypothesis, confirmed, with evidence.
        def cli(*args: str) -> int:
            return main(["--store", dsn, "--author", "marco", *args])

        for args in (
            ("hypothesis", incident, "pool exhausted by the batch job"),
            ("hypothesis", incident, "--evidence", "pool", "lag 40"),
            ("hypothesis", incident, "--confirm", "pool", "--reason", "180 of 200 held"),
            ("todo", incident, "rotate the key", "--owner", "@marco", "--due", "+3d"),
        ):
            assert await asyncio.to_thread(cli, *args) == 0, args

        # Ivy decides from her console; the IC is the default decider.
        await until(ivy, lambda: isinstance(ic.screen, type(mine)))
        await ivy.press("d")
        await until(ivy, lambda: isinstance(ic.screen, DecisionScreen))
        ic.screen.query_one("#decision-proposal", Input).value = "stop the batch job"
        await ivy.press("tab", "space", "ctrl+s")
        await until(ivy, lambda: bool(decisions(mine.session.state)))

        wanted = lambda: summary(mine.session.state)  # noqa: E731
        await until(sam, lambda: summary(theirs.session.state) == wanted())
        await until(ivy, lambda: len(action_items(mine.session.state)) == 1)
        await until(sam, lambda: summary(theirs.session.state) == wanted())
        found, decided, todos = wanted()
        assert [(text, state) for text, state, _, _ in found] == [
            ("replica lag from the deploy", RULED_OUT),
            ("pool exhausted by the batch job", CONFIRMED),
        ]
        assert found[1][3] and decided == [("stop the batch job", True, (), "Ivy")]
        assert [(text, owner, done) for text, owner, _, done in todos] == [
            ("rotate the key", "marco", False)
        ]
        authors = {e.author for e in mine.session.state.events}
        assert {"ivy", "sam", "marco"} <= authors
