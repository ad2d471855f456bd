"""Shared fixtures: an isolated data/config folder per test and a throwaway PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PostgresCluster, postgres_missing_reason

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never read or write the user's own data or config during tests."""
    data = tmp_path / "data"
    monkeypatch.setenv("WARROOM_DATA_DIR", str(data))
    monkeypatch.setenv("WARROOM_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("WARROOM_AUTHOR", "tester")
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


@pytest.fixture
def fresh_postgres() -> Iterator[PostgresCluster]:
    """A cluster of the test's own, for tests that stop, restart or exhaust it."""
    reason = postgres_missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = PostgresCluster(max_connections=12, superuser_reserved=2).start_new()
    try:
        yield cluster
    finally:
        cluster.destroy()


def shared_dir_or_skip(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared material sits beside the repo checkout)")
    return path
