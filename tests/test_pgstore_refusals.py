"""A database that refuses us is an error, never "queued": through the CLI and the console.

Wrong database, wrong role, wrong password and missing privileges exit non-zero with one
line and leave nothing in the offline queue; the console says why and exits. An offline
note to an incident this machine has never seen is refused; to a known one it is queued.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest

from tests.support.pgauth import password_role
from tests.support.pgstore import OwnDatabase
from tests.support.postgres import PostgresCluster
from tests.ui_support import ROWS, catalogue
from warroom.cli import main
from warroom.config import Config
from warroom.model.severity import PRESETS
from warroom.services.incidents import IncidentService
from warroom.store.postgres import PostgresStore
from warroom.store.queue_report import queue_reports
from warroom.ui.app import WarroomApp
from warroom.ui.feed import FixedProbeFeed

pytestmark = pytest.mark.postgres
SECRET = "pw_Rf7_refusal_secret"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    return code, out, err


def queued_anything(data: Path) -> bool:
    folder = data / "queue"
    return bool(queue_reports(folder)) or any(
        path.suffix == ".jsonl" and path.stat().st_size for path in folder.glob("*")
    )


def declared(capsys: pytest.CaptureFixture[str], dsn: str) -> str:
    code, out, err = run(capsys, "--store", dsn, "declare", "Checkout 502", "-s", "SEV-2")
    assert code == 0, err
    return out.strip()


@pytest.fixture
def bad_dsns(database: tuple[PostgresCluster, str]) -> dict[str, tuple[str, str]]:
    """DSN -> (what is wrong, what the error says), for one real database."""
    cluster, name = database
    return {
        "database": (cluster.dsn(db=f"{name}_typo"), f'database "{name}_typo" does not exist'),
        "role": (cluster.dsn(user="nobody_here", db=name), 'role "nobody_here" does not exist'),
    }


@pytest.mark.parametrize("wrong", ["database", "role"])
def test_a_wrong_database_or_role_is_an_error_and_queues_nothing(
    wrong: str,
    dsn: str,
    bad_dsns: dict[str, tuple[str, str]],
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
) -> None:
    incident = declared(capsys, dsn)
    bad, says = bad_dsns[wrong]
    for argv in (("note", incident, "db failover done"), ("role", incident, "ops", "Bea")):
        code, out, err = run(capsys, "--store", bad, *argv)
        assert code == 1, (argv, out, err)
        assert "queued" not in err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("warroom: error: ") and says in lines[0]
    assert not queued_anything(isolated_dirs)


def test_a_wrong_password_and_missing_privileges_are_errors_and_queue_nothing(
    database: tuple[PostgresCluster, str],
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: Path,
) -> None:
    cluster, name = database
    owner = cluster.dsn(db=name)
    incident = declared(capsys, owner)
    with password_role(cluster, SECRET) as role:
        wrong = cluster.dsn(user=role, password="not-" + SECRET, db=name)
        code, _, err = run(capsys, "--store", wrong, "note", incident, "pw typo")
        assert code == 1 and f'password authentication failed for user "{role}"' in err
        # The right password, but the role may not read or write warroom's tables.
        right = cluster.dsn(user=role, password=SECRET, db=name)
        code, _, err = run(capsys, "--store", right, "note", incident, "no grant")
        assert code == 1 and "permission denied" in err, err
        assert len(err.strip().splitlines()) == 1
    assert not queued_anything(isolated_dirs)
    assert cluster.psql("SELECT count(*) FROM warroom_events", db=name) == "1"  # declared
    for path in isolated_dirs.rglob("*"):
        assert SECRET not in str(path)
        if path.is_file():
            assert SECRET not in path.read_text(errors="replace"), path


async def test_the_console_says_why_and_exits_on_a_wrong_database(
    bad_dsns: dict[str, tuple[str, str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, says = bad_dsns["database"]
    store = PostgresStore(bad, tmp_path / "data" / "queue")
    app = WarroomApp(
        IncidentService(store, "ivy", PRESETS["sev1-sev3"]),
        Config(),
        tmp_path / "data",
        incident_id="INC-20261123-1",
        feed=FixedProbeFeed(ROWS),
        zone=UTC,
        zone_name="UTC",
        catalogue=catalogue(tmp_path),
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(200):
            if app.return_code is not None:
                break
            await pilot.pause(0.05)
    assert app.return_code == 1
    printed = " ".join(capsys.readouterr().err.split())  # what the console says as it exits
    assert f"warroom: error: {store.description} refuses warroom: {says}" in printed
    assert not queued_anything(tmp_path / "data")


def test_an_offline_note_to_an_unknown_incident_is_refused(
    fresh_postgres: OwnDatabase, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    dsn = fresh_postgres.dsn()
    incident = declared(capsys, dsn)
    fresh_postgres.stop()
    code, _, err = run(capsys, "--store", dsn, "note", incident + "9", "typo in the id")
    assert code == 1
    assert f"never seen incident {incident}9" in err and "cannot be queued" in err
    assert not queued_anything(isolated_dirs)
    code, _, err = run(capsys, "--store", dsn, "note", incident, "the right id")
    assert code == 0 and f"queued for {incident}" in err
    fresh_postgres.start()
    code, out, _ = run(capsys, "--store", dsn, "export", incident)
    assert code == 0 and out.count("the right id") == 1 and "typo in the id" not in out
