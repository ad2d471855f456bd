"""CLI writes while the shared database is down are queued, then delivered once."""

from __future__ import annotations

import pytest

from tests.support.pgstore import OwnDatabase
from warroom.cli import main

pytestmark = pytest.mark.postgres


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_note_while_database_is_down_arrives_once(
    fresh_postgres: OwnDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = fresh_postgres.dsn()
    code, out, _ = run(capsys, "--store", dsn, "declare", "DB flaky", "-s", "SEV-2")
    assert code == 0
    incident = out.strip()
    fresh_postgres.stop()
    code, _, err = run(capsys, "--store", dsn, "note", incident, "written while down")
    assert code == 0 and f"queued for {incident}" in err
    code, _, err = run(capsys, "--store", dsn, "role", incident, "ops", "Bea")
    assert code == 0 and "queued" in err
    fresh_postgres.start()
    code, out, _ = run(capsys, "--store", dsn, "export", incident, "--format", "json")
    assert code == 0
    assert out.count('"text": "written while down"') == 1
    code, out, _ = run(capsys, "--store", dsn, "export", incident)
    assert out.count("written while down") == 1 and "| Ops | Bea |" in out
