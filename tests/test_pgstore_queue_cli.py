"""The offline queue as people meet it: one queue per server whatever its spelling, set-aside
events shown by every command and by `warroom db queue` (list, retry, export, discard)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.pgstore import OwnDatabase
from warroom.cli import main
from warroom.model.events import EventKind, new_event
from warroom.store.pg_identity import server_identity
from warroom.store.queue import OfflineQueue

pytestmark = pytest.mark.postgres


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def spelled(dsn: str, host: str) -> str:
    return dsn.replace("127.0.0.1", host)


@pytest.mark.parametrize(
    ("queued_through", "sent_through"), [("localhost", "127.0.0.1"), ("127.0.0.1", "localhost")]
)
def test_a_queue_is_sent_whichever_way_the_server_is_spelled(
    queued_through: str,
    sent_through: str,
    fresh_postgres: OwnDatabase,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dsn = fresh_postgres.dsn()
    code, out, _ = run(capsys, "--store", spelled(dsn, sent_through), "declare", "x", "-s", "SEV-2")
    incident = out.strip()
    fresh_postgres.stop()
    code, _, err = run(capsys, "--store", spelled(dsn, queued_through), "note", incident, "hi")
    assert code == 0 and f"queued for {incident}" in err  # the incident is known: same server
    fresh_postgres.start()
    code, out, err = run(capsys, "--store", spelled(dsn, sent_through), "export", incident)
    assert code == 0 and "hi" in out, err
    count = fresh_postgres.psql("SELECT count(*) FROM warroom_events WHERE kind = 'note'")
    assert count == "1"
    code, out, err = run(capsys, "db", "queue")
    assert out.startswith("Nothing is queued") and err == ""


def test_set_aside_events_are_shown_kept_retried_and_discarded_only_when_confirmed(
    dsn: str, capsys: pytest.CaptureFixture[str], isolated_dirs: Path
) -> None:
    today = datetime.now(UTC).strftime("%Y%m%d")
    code, out, _ = run(capsys, "--store", dsn, "declare", "Checkout 502", "-s", "SEV-1")
    first = out.strip()
    # An earlier run queued notes for an incident the database does not have (yet).
    missing = f"INC-{today}-{int(first.rsplit('-', 1)[1]) + 1}"
    identity = server_identity(dsn, isolated_dirs / "queue")
    queue = OfflineQueue(isolated_dirs / "queue", identity.key, identity.label)
    strays = [
        new_event(missing, EventKind.NOTE, "sam", {"text": f"stray {i}", "kind": "finding"})
        for i in range(3)
    ]
    for event in strays:
        queue.add(event)

    code, out, err = run(capsys, "--store", dsn, "incidents")  # sends the queue first
    assert code == 0 and first in out
    warning = [line for line in err.splitlines() if line.startswith("warroom: warning:")]
    assert warning == [
        f"warroom: warning: 3 notes could not be sent to {identity.label} "
        f"(incident {missing} is not in {dsn.split('//')[1]}): see `warroom db queue`"
    ]
    code, out, err = run(capsys, "scenarios", "list")  # any command says it, once
    assert err.count("3 notes could not be sent") == 1

    code, out, err = run(capsys, "db", "queue")
    assert code == 0 and err == ""
    assert identity.label in out and "3 set aside by the database" in out
    assert out.count(f"why: incident {missing} is not in") == 3
    assert "stray 2" in out and "finding" in out

    code, out, _ = run(capsys, "db", "queue", "export")
    assert "## " + identity.label in out and "### Set aside by the database (3)" in out
    assert out.count(f"| {missing} | finding | sam | stray") == 3
    code, out, _ = run(capsys, "db", "queue", "export", "-o", "queue.md")
    assert code == 0 and out.strip() == "queue.md"
    assert Path("queue.md").stat().st_mode & 0o777 == 0o600  # it quotes the notes

    code, _, err = run(capsys, "db", "queue", "discard")  # no terminal, no --yes: refused
    assert code == 2 and "--yes" in err
    assert len(queue.rejected()) == 3

    code, out, _ = run(capsys, "--store", dsn, "declare", "Second", "-s", "SEV-3")
    assert out.strip() == missing  # now the database has that incident
    code, out, err = run(capsys, "--store", dsn, "db", "queue", "retry")
    assert code == 0, out + err
    assert "3 of 3 queued events sent (3 of them had been set aside)" in out
    assert "could not be sent" not in err
    code, out, _ = run(capsys, "--store", dsn, "export", missing)
    assert all(f"stray {i}" in out for i in range(3))

    queue.add(new_event("INC-20000101-1", EventKind.NOTE, "sam", {"text": "old"}))
    run(capsys, "--store", dsn, "incidents")
    code, out, err = run(capsys, "db", "queue", "discard", "--yes")
    assert code == 0 and "Discarded 1 note" in out
    copy = Path(out.strip().rsplit(" ", 1)[1])
    assert "| INC-20000101-1 | note | sam | old |" in copy.read_text()
    assert queue.rejected() == []
    code, out, err = run(capsys, "db", "queue")
    assert out.startswith("Nothing is queued")
    assert "could not be sent" not in run(capsys, "scenarios", "list")[2]


def test_a_queue_for_a_server_that_now_refuses_is_shown_until_it_goes(
    fresh_postgres: OwnDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = fresh_postgres.dsn()
    code, out, _ = run(capsys, "--store", dsn, "declare", "Disk full", "-s", "SEV-2")
    incident = out.strip()
    fresh_postgres.stop()
    code, _, err = run(capsys, "--store", dsn, "note", incident, "queued before the upgrade")
    assert code == 0 and "queued" in err
    fresh_postgres.start()
    fresh_postgres.psql("INSERT INTO warroom_schema_version (version, name) VALUES (99, 'x')")

    code, _, err = run(capsys, "--store", dsn, "note", incident, "after the upgrade")
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 2, err
    assert lines[0].startswith("warroom: error: ") and "version 99" in lines[0]
    assert lines[1].startswith("warroom: warning: 1 note could not be sent to postgres@local")
    assert "version 99" in lines[1]
    code, out, _ = run(capsys, "db", "queue")
    assert "the server refuses this machine: the database schema is at version 99" in out
    assert "1 waiting (cannot be sent until it is fixed)" in out
    assert "queued before the upgrade" in out and "after the upgrade" not in out

    fresh_postgres.psql("DELETE FROM warroom_schema_version WHERE version = 99")
    code, out, err = run(capsys, "--store", dsn, "export", incident)
    assert code == 0 and "queued before the upgrade" in out and "after the upgrade" not in out
    assert err == ""
    assert run(capsys, "db", "queue")[1].startswith("Nothing is queued")
