"""The throwaway PostgreSQL cluster itself starts, answers and tells its limits."""

from tests.support.postgres import PostgresCluster


def test_cluster_answers(postgres_cluster: PostgresCluster) -> None:
    assert postgres_cluster.psql("SELECT 1") == "1"
    assert postgres_cluster.psql("SHOW max_connections") == str(postgres_cluster.max_connections)
