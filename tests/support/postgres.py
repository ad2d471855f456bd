"""The tests' throwaway PostgreSQL cluster: `bench.pg_cluster` (the benchmarks start the
same clusters, and the benchmarks must not import from tests/). The drill's helpers the
tests use (`find_binary`, `free_port`) are re-exported with it."""

from bench.pg_cluster import PostgresCluster, postgres_missing_reason
from warroom.drill.pg_cluster import find_binary, free_port

__all__ = ["PostgresCluster", "find_binary", "free_port", "postgres_missing_reason"]
