"""`warroom drill` on the command line: listing, errors, a headless run, and a clean stop on
ctrl+c (SIGINT) and SIGTERM: no port left listening, no PostgreSQL cluster left behind."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.support.drill import listening
from warroom.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_list_shows_every_drill_and_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drill", "--list"]) == 0
    out = capsys.readouterr().out
    assert "bad-deploy" in out and "[default]" in out
    assert "pool-exhaustion" in out and "uses PostgreSQL" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["drill", "no-such-drill"], "no drill 'no-such-drill' (drills: bad-deploy"),
        (["drill", "--speed", "0"], "--speed must be greater than 0"),
        (["drill", "--headless", "-1"], "--headless needs a number of seconds"),
        (["drill", "--report", "INC-20260101-9"], "no drill journal for INC-20260101-9"),
    ],
)
def test_bad_requests_are_one_line_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) != 0
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


class Running:
    """`warroom drill --headless` in a subprocess, its output read line by line."""

    def __init__(self, data: Path, *argv: str) -> None:
        self.data = data
        self.process = subprocess.Popen(
            [sys.executable, "-m", "warroom", "--data-dir", str(data), "drill", *argv],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_line(self, text: str, timeout: float = 30) -> str:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r}; saw {self.seen}") from None
            self.seen.append(line)
            if text in line:
                return line

    def finish(self, timeout: float = 30) -> int:
        """Wait for the exit code; every line it printed is then in `seen`."""
        code = self.process.wait(timeout=timeout)
        self.reader.join(timeout=10)
        while not self.lines.empty():
            self.seen.append(self.lines.get_nowait())
        return code

    def start_entry(self) -> dict:  # type: ignore[type-arg]
        journal = next((self.data / "drills" / "journal").glob("*.jsonl"))
        return json.loads(journal.read_text().splitlines()[0])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def test_headless_run_ends_with_a_report_that_can_be_written_again(tmp_path: Path) -> None:
    run = Running(
        tmp_path, "bad-deploy", "--speed", "20", "--seed", "9", "--headless", "4", "--no-postgres"
    )
    try:
        assert run.finish() == 0
    finally:
        run.kill()
    output = "\n".join(run.seen)
    assert "fault: api: the new release fails its health check (applied)" in output
    assert "probe: api" in output and "-> down (status 503, expected 2xx)" in output
    report_line = next(line for line in run.seen if line.startswith("Drill report: "))
    report = Path(report_line.removeprefix("Drill report: "))
    assert report.is_file() and "seed 9, speed 20x" in report.read_text()
    incident = report.name.removesuffix("-drill-report.md")
    report.unlink()
    assert main(["--data-dir", str(tmp_path), "drill", "--report", incident]) == 0
    assert report.is_file()
    assert not any(listening(port) for port in run.start_entry()["detail"]["ports"])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl+c", "sigterm"])
def test_a_signal_stops_the_fleet_and_removes_the_cluster(tmp_path: Path, signum: int) -> None:
    run = Running(tmp_path, "pool-exhaustion", "--speed", "20", "--headless", "120")
    try:
        run.wait_for_line("probe: api")  # the fleet is up and being probed
        start = run.start_entry()["detail"]
        ports, cluster = start["ports"], start["cluster"]
        assert all(listening(port) for port in ports)
        os.kill(run.process.pid, signum)
        assert run.finish() == 130
    finally:
        run.kill()
    assert any(line.startswith("Drill report: ") for line in run.seen), run.seen
    assert not any(listening(port) for port in ports)
    if cluster:  # PostgreSQL was part of the drill
        assert not Path(cluster).exists()


def test_an_unusable_data_folder_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    argv = ["--data-dir", str(blocker), "drill", "--no-postgres", "--headless", "1"]
    assert main(argv) == 1
    starting, error = capsys.readouterr().err.strip().splitlines()
    assert starting.startswith("warroom: starting drill bad-deploy")
    assert error.startswith("warroom: error: cannot start the drill: data folder")
