"""warroom's benchmarks: how fast it is, each figure against a baseline from the same run.

Run them with `.venv/bin/python -m bench` (or `--quick`); `docs/benchmarks.md` has the
latest figures and what each one measures. Nothing here is part of the test run except
`tests/test_bench_smoke.py`, which runs the machinery once with tiny sizes.
"""
