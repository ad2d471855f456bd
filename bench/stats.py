"""Figures: a measured median beside a baseline median from the same run, and the table.

Every figure is a median over several runs (the machine is noisy, so single times mean
little), compared with a baseline measured in the same run, interleaved with it where
possible, so that the ratio survives a slow or busy machine better than either number.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p99 of 200 samples is the 198th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Figure:
    """One row of the table: what was measured, against what, and the goal."""

    name: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    runs: int = 0
    goal: str = ""
    # Returns True (met), False (missed); None when the figure has no goal.
    check: Callable[[Figure], bool] | None = field(default=None, repr=False)
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline:
            return None
        return self.value / self.baseline

    @property
    def met(self) -> bool | None:
        return None if self.check is None else bool(self.check(self))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "baseline": self.baseline,
            "baseline_name": self.baseline_name,
            "ratio": self.ratio,
            "runs": self.runs,
            "goal": self.goal,
            "met": self.met,
            "note": self.note,
        }


def ratio_at_most(limit: float) -> Callable[[Figure], bool]:
    return lambda figure: figure.ratio is not None and figure.ratio <= limit


def value_at_most(limit: float) -> Callable[[Figure], bool]:
    return lambda figure: figure.value <= limit


def value_below(limit: float) -> Callable[[Figure], bool]:
    return lambda figure: figure.value < limit


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if value != value:  # NaN
        return "n/a"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"
    if unit == "s":
        return f"{value:,.3f} s"
    if unit == "MB":
        return f"{value:,.1f} MB"
    if unit == "events/s":
        return f"{value:,.0f} ev/s"
    return f"{value:,.3g} {unit}"


def table(figures: list[Figure]) -> str:
    """A plain-text table, one figure a line (also valid Markdown)."""
    header = ["figure", "median", "baseline", "ratio", "runs", "goal", "met"]
    rows = [header]
    for figure in figures:
        ratio = figure.ratio
        met = {True: "yes", False: "NO", None: "-"}[figure.met]
        baseline = format_value(figure.baseline, figure.unit)
        if figure.baseline_name:
            baseline = f"{baseline} ({figure.baseline_name})"
        rows.append(
            [
                figure.name,
                format_value(figure.value, figure.unit),
                baseline,
                "-" if ratio is None else f"{ratio:.2f}x" if ratio >= 0.01 else f"{ratio:.1e}x",
                str(figure.runs),
                figure.goal or "-",
                met,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    notes = [f"- {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", *notes] if notes else []))
