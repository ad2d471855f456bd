"""Shared fixtures: an isolated data/config folder per test and a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.delivery_servers import STATUSPAGE_API_KEY, StatuspageServer, WebhookReceiver
from tests.support.pgstore import OwnDatabase, create_database, drop_database
from tests.support.postgres import PostgresCluster, postgres_missing_reason
from tests.support.probe_servers import LoopbackServer
from warroom.probes.runner import ProbeRunner

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or write the user's own data or config during tests."""
    data = tmp_path / "data"
    monkeypatch.setenv("WARROOM_DATA_DIR", str(data))
    monkeypatch.setenv("WARROOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WARROOM_AUTHOR", "tester")
    monkeypatch.delenv("WARROOM_STORE", raising=False)
    # Copies take the plain OSC 52 path unless a test sets up tmux, screen or a clipboard.
    for name in ("TMUX", "STY", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.chdir(tmp_path)
    return data


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One throwaway cluster for the session (tests must leave it as they found it)."""
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster().start_new()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def stoppable_cluster() -> Iterator[PostgresCluster]:
    """A second cluster for the session, for the tests that stop and start their server
    (`fresh_postgres`): the session cluster stays up for everyone else."""
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster(max_connections=12, superuser_reserved=2).start_new()
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def fresh_postgres(stoppable_cluster: PostgresCluster) -> Iterator[OwnDatabase]:
    """A database of the test's own on a server the test may stop and start; the server
    is running again afterwards and the database dropped (a new cluster per test cost
    ~1.3 s of initdb each)."""
    name = create_database(stoppable_cluster)
    try:
        yield OwnDatabase(stoppable_cluster, name)
    finally:
        if not stoppable_cluster.running:
            stoppable_cluster.start()
        drop_database(stoppable_cluster, name)


@pytest.fixture
def database(postgres_cluster: PostgresCluster) -> Iterator[tuple[PostgresCluster, str]]:
    """A database of the test's own in the session cluster, dropped afterwards."""
    name = create_database(postgres_cluster)
    yield postgres_cluster, name
    drop_database(postgres_cluster, name)


@pytest.fixture
def dsn(database: tuple[PostgresCluster, str]) -> str:
    """The DSN of the test's own database (`database`)."""
    cluster, name = database
    return cluster.dsn(db=name)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    """A running HTTP server on 127.0.0.1 for the probe tests."""
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A JSON webhook on 127.0.0.1 for the delivery tests (a chat channel's endpoint)."""
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def statuspage() -> Iterator[StatuspageServer]:
    """A Statuspage-API-shaped server on 127.0.0.1 taking `STATUSPAGE_API_KEY`."""
    with StatuspageServer(api_key=STATUSPAGE_API_KEY) as running:
        yield running


@pytest.fixture
async def runner() -> AsyncIterator[ProbeRunner]:
    """A probe runner (four probes at once), closed afterwards."""
    probe_runner = ProbeRunner(concurrency=4)
    yield probe_runner
    await probe_runner.aclose()


def shared_dir_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared material sits beside the repo checkout)")
    return path
