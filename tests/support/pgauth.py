"""A role that must give its password, in a test cluster that otherwise trusts everyone."""

from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
from collections.abc import Iterator

from tests.support.pgstore import WAIT
from tests.support.postgres import PostgresCluster


@contextlib.contextmanager
def password_role(cluster: PostgresCluster, password: str) -> Iterator[str]:
    """Create a role with `password`, make pg_hba ask it for the password (scram), and
    leave the cluster as it was afterwards. Yields the role's name."""
    role = f"pw_{uuid.uuid4().hex[:10]}"
    hba = cluster.datadir / "pg_hba.conf"
    original = hba.read_text()
    cluster.psql("SET password_encryption = 'scram-sha-256'; " + _create(role, password))
    rule = f"host all {role} 127.0.0.1/32 scram-sha-256\nhost all {role} ::1/128 scram-sha-256\n"
    hba.write_text(rule + original)
    cluster.psql("SELECT pg_reload_conf()")
    _wait_for_password_rule(cluster, role)
    try:
        yield role
    finally:
        hba.write_text(original)
        cluster.psql("SELECT pg_reload_conf()")
        with contextlib.suppress(Exception):
            cluster.psql(f"DROP OWNED BY {role}; DROP ROLE IF EXISTS {role}")


def _wait_for_password_rule(cluster: PostgresCluster, role: str) -> None:
    """The reload is a signal: wait (bounded) until a password-less login is refused."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            cluster.psql("SELECT 1", user=role, no_password=True)
        except subprocess.CalledProcessError:
            return
        time.sleep(0.02)
    raise AssertionError(f"pg_hba never asked {role} for a password")


def _create(role: str, password: str) -> str:
    quoted = password.replace("'", "''")
    return f"CREATE ROLE {role} LOGIN PASSWORD '{quoted}'"
