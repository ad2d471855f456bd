"""The benchmark machinery runs end to end (tiny sizes, one run each; no timing asserted).

`python -m bench` itself is never part of the test run: its figures depend on the
machine. This only proves that every suite still works against the current code: the
console launches on a pseudo-terminal and draws its first frame, the probe cycle runs,
key presses reach the screen, the big-incident, append and memory figures come out.
"""

from __future__ import annotations

from pathlib import Path

from bench.plan import TINY
from bench.run import SUITE_NAMES, render, run


def test_every_suite_runs_with_tiny_sizes(tmp_path: Path) -> None:
    report = run(TINY, base=tmp_path)
    assert report.errors == {}, render(report)
    names = " ".join(figure.name for figure in report.figures)
    for expected in ("start-up", "probe cycle", "key press", "open", "render", "export"):
        assert expected in names
    assert "append" in names and "memory" in names and "import-runbook" in names
    assert len(report.seconds) == len(SUITE_NAMES)
    for figure in report.figures:
        assert figure.value == figure.value and figure.value > 0, figure  # a number, not NaN
        assert figure.baseline is not None and figure.baseline > 0, figure
    table = render(report)
    assert "| figure" in table and "tiny plan" in table
