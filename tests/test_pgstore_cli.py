"""`warroom db migrate`, `warroom db import`, and the incident commands on the database."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.postgres import PostgresCluster, free_port
from warroom.cli import main

pytestmark = pytest.mark.postgres
SECRET = "pw_Kx81_cli_secret"


@pytest.fixture
def dsn(database: tuple[PostgresCluster, str]) -> str:
    cluster, name = database
    return cluster.dsn(password=SECRET, db=name)  # the test cluster trusts, but we say it


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    return code, out, err


def today() -> str:
    return datetime.now(UTC).strftime("%Y%m%d")


def test_db_migrate_builds_the_schema_then_has_nothing_to_do(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", dsn, "db", "migrate")
    assert code == 0
    assert "schema now at version 1" in out
    code, out, _ = run(capsys, "--store", dsn, "db", "migrate")
    assert code == 0
    assert "already at version 1" in out


def test_the_config_can_name_the_database(
    dsn: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("warroom.toml").write_text('[store]\ndsn = "${WARROOM_DSN}"\n')
    monkeypatch.setenv("WARROOM_DSN", dsn)
    assert run(capsys, "db", "migrate")[0] == 0
    code, out, _ = run(capsys, "declare", "From the config", "--severity", "SEV-3")
    assert code == 0
    incident_id = out.strip()
    code, out, _ = run(capsys, "--store", dsn, "incidents")
    assert incident_id in out and "From the config" in out


def test_db_commands_need_a_database(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "db", "migrate")
    assert code == 2
    assert "--store postgresql://" in err


def export_lines(capsys: pytest.CaptureFixture[str], *prefix: str) -> list[str]:
    code, out, _ = run(capsys, *prefix, "export", "--tz", "UTC", f"INC-{today()}-1")
    assert code == 0
    return [line for line in out.splitlines() if not line.startswith("_Exported by")]


def test_db_import_uploads_a_local_incident_with_the_same_post_mortem(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--author", "Ivy", "declare", "Disk full", "-s", "SEV-2")
    incident_id = out.strip()
    assert incident_id == f"INC-{today()}-1"
    run(capsys, "note", incident_id, "df shows 100% on /var", "--kind", "finding")
    run(capsys, "note", incident_id, "rotated logs", "--kind", "action", "--at", "-2m")
    run(capsys, "status", incident_id, "resolved")

    code, out, _ = run(capsys, "--store", dsn, "db", "import", incident_id.lower())
    assert code == 0
    assert f"{incident_id} imported" in out and "4 events added, 0 already there" in out
    assert export_lines(capsys, "--store", dsn) == export_lines(capsys)

    code, out, _ = run(capsys, "--store", dsn, "db", "import", incident_id)
    assert code == 0 and "0 events added, 4 already there" in out
    code, out, _ = run(capsys, "--store", dsn, "incidents")
    assert incident_id in out and "resolved" in out


def test_db_import_renumbers_an_id_the_database_already_uses(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--store", dsn, "declare", "Shared one", "-s", "SEV-1")
    assert out.strip() == f"INC-{today()}-1"
    code, out, _ = run(capsys, "declare", "Local one", "-s", "SEV-3")
    assert out.strip() == f"INC-{today()}-1"
    code, out, _ = run(capsys, "--store", dsn, "db", "import", out.strip())
    assert code == 0
    assert re.search(rf"imported into .* as INC-{today()}-2 ", out)
    code, out, _ = run(capsys, "--store", dsn, "incidents")
    assert "Shared one" in out and "Local one" in out
    # Importing again finds it by its declared event, under its new id.
    code, out, _ = run(capsys, "--store", dsn, "db", "import", f"INC-{today()}-1")
    assert f"as INC-{today()}-2 " in out and "0 events added" in out
    # And a new declaration does not reuse either number.
    code, out, _ = run(capsys, "--store", dsn, "declare", "Third", "-s", "SEV-3")
    assert out.strip() == f"INC-{today()}-3"


def test_db_import_of_an_unknown_incident_fails_cleanly(
    dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--store", dsn, "db", "import", "INC-20000101-9")
    assert code == 1
    assert "no incident INC-20000101-9" in err


def test_the_password_never_shows_even_when_things_fail(
    database: tuple[PostgresCluster, str], capsys: pytest.CaptureFixture[str]
) -> None:
    cluster, _ = database
    closed_port = free_port()
    failing = [
        f"postgresql://warroom:{SECRET}@127.0.0.1:{closed_port}/db",  # nobody listening
        cluster.dsn(password=SECRET, db=SECRET),  # the server quotes the database name
        f"postgresql://warroom:{SECRET}@127.0.0.1:notaport/db",  # a DSN asyncpg refuses
    ]
    for bad in failing:
        for argv in (
            ["db", "migrate"],
            ["declare", "x", "-s", "SEV-1"],
            ["incidents"],
            ["note", "INC-20261123-1", "x"],
        ):
            code, out, err = run(capsys, "--store", bad, *argv)
            if argv[0] == "note" and "queued for" in err:
                # An unreachable database queues a note locally, and says so.
                assert code == 0 and "queued for INC-20261123-1" in err, (argv, out, err)
            else:
                assert code != 0, (argv, out, err)
                assert err.startswith("warroom: error: ")


def test_a_password_with_url_delimiters_never_shows(
    database: tuple[PostgresCluster, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """`/ # ? @` in a password, percent-encoded as it must be, and a database named like
    it (the server quotes the name back): --store errors and the postgres probe's reason
    mask it whole, and no piece of it is left."""
    cluster, _ = database
    password = "Pg7/sl#qm?at@Zz9"
    encoded = quote(password, safe="")
    bad = f"postgresql://warroom:{encoded}@127.0.0.1:{cluster.port}/{encoded}"
    pieces = [password, encoded, "Pg7/sl", "at@Zz9"]
    for argv in (["db", "migrate"], ["declare", "x", "-s", "SEV-1"], ["incidents"]):
        code = main(["--store", bad, *argv])
        out, err = capsys.readouterr()
        assert code != 0 and err.startswith("warroom: error: "), (argv, err)
        assert "does not exist" in err or "cannot" in err or "not" in err, err
        assert not [p for p in pieces if p in out + err], (argv, err)
    Path("probes.toml").write_text(
        f'[[service]]\nname = "db"\nkind = "postgres"\ndsn = "{bad}"\ninterval = 10\n'
    )
    assert main(["check", "--json", "--config", "probes.toml"]) == 3
    out, err = capsys.readouterr()
    assert "does not exist" in out  # the server's own words, with the name masked
    assert not [p for p in pieces if p in out + err], out + err
