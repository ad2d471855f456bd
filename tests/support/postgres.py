"""The tests' throwaway PostgreSQL cluster: `bench.pg_cluster` (the benchmarks start the
same clusters, and the benchmarks must not import from tests/)."""

from bench.pg_cluster import PostgresCluster, postgres_missing_reason

__all__ = ["PostgresCluster", "postgres_missing_reason"]
