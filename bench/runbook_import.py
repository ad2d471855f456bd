"""`import-runbook` on a 1 MB runbook, against markdown-it parsing the same text.

The runbook is built from the layout fixtures of the importer's tests (each copied with
numbered titles until the size is reached), so it holds every kind of section the importer
reads. The baseline is markdown-it-py parsing the same text, interleaved with the measured
runs: the ratio says what classification and building cost on top of parsing, and stays
flat when the work is linear in the input.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.plan import Plan
from bench.stats import Figure, median, ratio_at_most

LAYOUTS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "runbooks" / "layouts"


def build_runbook(size: int) -> bytes:
    """Layout fixtures repeated (titles numbered) until the text is `size` bytes or more."""
    pieces = [path.read_text(encoding="utf-8") for path in sorted(LAYOUTS.glob("*.md"))]
    pieces = [piece.replace("\r\n", "\n") for piece in pieces]
    out: list[str] = []
    total, copy = 0, 0
    while total < size:
        for piece in pieces:
            text = piece.replace("\n# ", f"\n# {copy} ").replace("\n## ", f"\n## {copy} ")
            out.append(text)
            total += len(text.encode("utf-8")) + 1
            copy += 1
    return "\n".join(out).encode("utf-8")


def measure_runbook_import(plan: Plan, folder: Path) -> list[Figure]:
    from markdown_it import MarkdownIt

    from warroom.scenarios.importer import import_runbook_bytes

    data = build_runbook(plan.runbook_bytes)
    (folder / "runbook.md").write_bytes(data)
    text = data.decode("utf-8")
    parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    imports: list[float] = []
    parses: list[float] = []
    scenarios = 0
    for _ in range(plan.runbook_runs):
        started = time.process_time()
        parser.parse(text)
        parses.append(time.process_time() - started)
        started = time.process_time()
        result = import_runbook_bytes(data, "runbook.md", "bench")
        imports.append(time.process_time() - started)
        scenarios = len(result.scenarios)
    size = len(data) / 1e6
    return [
        Figure(
            f"import-runbook {size:.1f} MB ({scenarios} scenarios)",
            median(imports) * 1000,
            "ms",
            baseline=median(parses) * 1000,
            baseline_name="markdown-it parse of the same text",
            runs=plan.runbook_runs,
            goal="ratio <= 4",
            check=ratio_at_most(4),
            note="CPU time; nothing written",
        )
    ]
