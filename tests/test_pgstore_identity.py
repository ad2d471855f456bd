"""A server's identity (the queue's key) whatever the DSN's spelling; the records beside it."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from warroom.model.events import EventKind, new_event
from warroom.store import pg_identity
from warroom.store.pg_identity import server_identity
from warroom.store.pg_known import KnownIncidents
from warroom.store.queue import OfflineQueue


@pytest.fixture(autouse=True)
def no_pg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
        monkeypatch.delenv(name, raising=False)


def test_spellings_of_one_server_share_an_identity(tmp_path: Path) -> None:
    same = [
        "postgresql://warroom@localhost/incidents",
        "postgresql://warroom@127.0.0.1:5432/incidents",
        "postgresql://warroom:s3cret-pw@127.0.0.1/incidents?sslmode=disable",
        "postgres://warroom@[::1]:5432/incidents",
        "postgresql://warroom@/incidents?host=/var/run/postgresql",
        "postgresql:///incidents?user=warroom",
    ]
    identities = {server_identity(dsn, tmp_path) for dsn in same[:5]}
    assert len(identities) == 1
    (identity,) = identities
    assert identity.label == "warroom@localhost:5432/incidents"
    assert "s3cret" not in identity.label and "s3cret" not in identity.key
    assert server_identity(same[5], tmp_path) == identity


@pytest.mark.parametrize(
    "other",
    [
        "postgresql://warroom@127.0.0.1:5433/incidents",  # another port
        "postgresql://warroom@127.0.0.1/postgres",  # another database
        "postgresql://scribe@127.0.0.1/incidents",  # another role
        "postgresql://warroom@10.1.2.3/incidents",  # another host
    ],
)
def test_another_port_database_role_or_host_is_another_server(other: str, tmp_path: Path) -> None:
    base = server_identity("postgresql://warroom@127.0.0.1/incidents", tmp_path)
    assert server_identity(other, tmp_path).key != base.key


def test_defaults_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PGUSER", "ops")
    monkeypatch.setenv("PGPORT", "6543")
    identity = server_identity("postgresql://127.0.0.1", tmp_path)
    assert identity.label == "ops@localhost:6543/ops"  # the database defaults to the role
    monkeypatch.setenv("PGDATABASE", "inc")
    assert server_identity("postgresql://127.0.0.1", tmp_path).database == "inc"


def test_a_name_is_resolved_and_remembered_for_when_dns_is_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def resolves(host: str, port: int, **_: object) -> list[tuple[object, ...]]:
        assert host == "db.internal"
        return [(0, 0, 0, "", ("10.0.0.7", port)), (0, 0, 0, "", ("10.0.0.5", port))]

    monkeypatch.setattr(pg_identity.socket, "getaddrinfo", resolves)
    named = server_identity("postgresql://warroom@db.internal/incidents", tmp_path)
    assert named == server_identity("postgresql://warroom@10.0.0.5/incidents", tmp_path)
    assert json.loads((tmp_path / "servers.json").read_text()) == {"db.internal:5432": "10.0.0.5"}

    def fails(*_: object, **__: object) -> list[object]:
        raise socket.gaierror("Temporary failure in name resolution")

    monkeypatch.setattr(pg_identity.socket, "getaddrinfo", fails)
    assert server_identity("postgresql://warroom@DB.internal/incidents", tmp_path) == named
    never = server_identity("postgresql://warroom@other.internal/incidents", tmp_path)
    assert never.host == "other.internal"
    (tmp_path / "servers.json").write_text("[1, 2]")  # damaged: names as written
    assert server_identity("postgresql://warroom@db.internal/x", tmp_path).host == "db.internal"


def test_set_aside_events_keep_their_reason_and_old_files_are_read(tmp_path: Path) -> None:
    queue = OfflineQueue(tmp_path, "pg-k", "warroom@localhost:5432/x")
    note = new_event("INC-20261123-1", EventKind.NOTE, "me", {"text": "a"})
    queue.reject(note, "incident INC-20261123-1 is not in x")
    with open(queue.rejected_path, "a") as handle:  # what an older warroom wrote: the event
        handle.write(json.dumps(new_event("INC-1", EventKind.NOTE, "me", {}).to_dict()) + "\n")
        handle.write("{torn\n")
    rejected = queue.rejected()
    assert [r.reason for r in rejected] == [
        "incident INC-20261123-1 is not in x",
        "refused by the database (the reason was not recorded)",
    ]
    assert rejected[0].event == note and rejected[0].rejected_at.endswith("Z")
    assert queue.server_label() == "warroom@localhost:5432/x"
    queue.drop_rejected({note.id})
    assert [r.event.incident_id for r in queue.rejected()] == ["INC-1"]
    queue.set_refused("password authentication failed")
    assert OfflineQueue(tmp_path, "pg-k").refused_reason() == "password authentication failed"
    queue.clear_refused()
    assert queue.refused_reason() == ""


def test_known_incidents_are_shared_between_processes(tmp_path: Path) -> None:
    one, other = KnownIncidents(tmp_path / "k.known"), KnownIncidents(tmp_path / "k.known")
    assert "INC-1" not in one
    one.add(["INC-1", "INC-2", "INC-1"])
    assert "INC-2" in other  # read again when an id is missing
    other.add(["INC-2", "INC-3"])
    assert (tmp_path / "k.known").read_text() == "INC-1\nINC-2\nINC-3\n"
    assert "INC-3" in one and "INC-4" not in one


def test_a_queue_named_after_the_dsn_spelling_is_taken_over(tmp_path: Path) -> None:
    from warroom.store.postgres import PostgresStore
    from warroom.store.queue import queue_key

    dsn = "postgresql://warroom:pw_x@127.0.0.1:5999/incidents"
    old = OfflineQueue(tmp_path, queue_key("warroom@127.0.0.1:5999/incidents"))
    waiting = [new_event("INC-1", EventKind.NOTE, "me", {"text": f"{i}"}) for i in range(2)]
    for event in waiting:
        old.add(event)
    store = PostgresStore(dsn, tmp_path)
    assert [e.id for e in store.queue.events()] == [e.id for e in waiting]
    assert old.count() == 0 and store.queue.key != old.key
    assert store.identity.label == "warroom@localhost:5999/incidents"


@pytest.mark.parametrize(
    ("dsn", "label"),
    [
        ("postgresql://LOCALHOST:6000/x?user=u", "u@localhost:6000/x"),
        ("postgresql:///?host=/tmp&port=6001&user=u&dbname=d", "u@localhost:6001/d"),
        ("postgresql://u@/?database=d2", "u@localhost:5432/d2"),
        ("postgresql://u@h1,h2:5432/d", "u@h1,h2:5432/d"),  # several hosts, as written
        ("postgresql://u@[fe80::1%25eth0]/d", "u@fe80::1%eth0:5432/d"),
        ("postgresql://u@127.0.0.1:notaport/d", "u@localhost:5432/d"),
        ("postgresql://u@/d?port=5433,5434", "u@localhost:5433/d"),
        ("postgresql://u@10.0.0.9/d%20b", "u@10.0.0.9:5432/d b"),
        ("postgresql://u@/d?host=10.0.0.8", "u@10.0.0.8:5432/d"),
        ("postgresql://u@/d?port=abc", "u@localhost:5432/d"),
    ],
)
def test_each_part_of_a_dsn_counts(dsn: str, label: str, tmp_path: Path) -> None:
    assert server_identity(dsn, tmp_path).label == label
    assert server_identity(dsn).label == label  # without a folder to remember names in


def test_pghost_and_a_name_with_both_kinds_of_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: list[tuple[object, ...]] = []

    def resolves(host: str, port: int, **kwargs: object) -> list[tuple[object, ...]]:
        seen.append((host, port, kwargs.get("type")))
        return [(0, 0, 0, "", ("2001:db8::5", port)), (0, 0, 0, "", ("203.0.113.9", port))]

    monkeypatch.setattr(pg_identity.socket, "getaddrinfo", resolves)
    monkeypatch.setenv("PGHOST", "db.example")
    identity = server_identity("postgresql://u@:6432/d", tmp_path)
    assert identity.label == "u@203.0.113.9:6432/d"  # IPv4 first
    assert seen == [("db.example", 6432, socket.SOCK_STREAM)]
    monkeypatch.setattr(
        pg_identity.socket,
        "getaddrinfo",
        lambda *_a, **_k: [(0, 0, 0, "", ("2001:db8::7", 1)), (0, 0, 0, "", ("2001:db8::5", 1))],
    )
    assert server_identity("postgresql://u@v6.example/d").host == "2001:db8::5"
    monkeypatch.setattr(
        pg_identity.socket, "getaddrinfo", lambda *_a, **_k: [(0, 0, 0, "", ("::1", 1))]
    )
    assert server_identity("postgresql://u@my-laptop/d").host == "localhost"


def test_known_incidents_ignore_blank_and_multi_line_ids(tmp_path: Path) -> None:
    known = KnownIncidents(tmp_path / "sub" / "k.known")
    known.add(["", "INC-1\nINC-2", "INC-3"])
    assert (tmp_path / "sub" / "k.known").read_text() == "INC-3\n"
    assert "INC-2" not in known and "" not in known
    (tmp_path / "sub" / "k.known").write_text("INC-3\n\n  INC-4  \n")  # edited by hand
    assert "INC-4" in known
    again = KnownIncidents(tmp_path / "sub" / "k.known")
    again.add(["INC-4", "INC-5"])
    assert (tmp_path / "sub" / "k.known").read_text().endswith("INC-5\n")
    assert (tmp_path / "sub" / "k.known").read_text().count("INC-4") == 1
