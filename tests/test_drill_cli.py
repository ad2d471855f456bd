"""`warroom drill` on the command line: listing, errors, a headless run, and a clean stop on
ctrl+c (SIGINT) and SIGTERM: no port left listening, no PostgreSQL cluster left behind."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.support.drill import listening
from warroom.cli import main
from warroom.model.events import EventKind, format_utc, parse_utc
from warroom.model.incident import fold
from warroom.store.local import LocalStore

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


PLAY = """\
# bad-deploy played by an IC: declares, updates, rolls back once the API fails
1s   role IC Ana
2s   copy update
21s  note API fails its health check since the release; rolling back
22s  tick deployment-rollback/rollback-1
26s  status monitoring
27s  copy update
"""


def run_journal(data: Path) -> Path:
    return next((data / "drills" / "journal").glob("*.jsonl"))


def grade_of(report: Path) -> str:
    return next(line for line in report.read_text().splitlines() if line.startswith("| Grade |"))


def test_a_play_file_plays_the_drill_to_recovery_and_the_report_grades_it(tmp_path: Path) -> None:
    play = tmp_path / "play.txt"
    play.write_text(PLAY)
    run = Running(
        tmp_path / "data",
        "bad-deploy",
        *("--speed", "8", "--seed", "11", "--no-postgres"),
        *("--headless", "9", "--play", str(play)),
    )
    try:
        assert run.finish(60) == 0
    finally:
        run.kill()
    output = "\n".join(run.seen)
    assert "play: tick deployment-rollback/rollback-1: deployment-rollback/rollback-1" in output
    assert "recovery: api: the previous release is live again (applied)" in output
    report = Path(next(x for x in run.seen if x.startswith("Drill report: ")).split(": ", 1)[1])
    assert report.name.startswith("DRILL-")
    assert grade_of(report) == "| Grade | 5/5 pass |"
    text = report.read_text()
    # At 8x the 503 lasts about a second of wall time: seen, then as its own signature.
    row = next(r for r in text.splitlines() if "the new release fails its health check" in r)
    assert row.endswith("down: status 503, expected 2xx |") or row.endswith("(status 503)) |")
    # The drill incident is resolved, and the first fault came after every service had
    # shown a healthy probe result.
    data = tmp_path / "data"
    incident = report.name.removesuffix("-drill-report.md")
    state = fold(LocalStore(data / "drills").load_sync(incident).events, incident)
    assert not state.is_open and state.resolved_at is not None
    # Every service's first "up" is printed before the first fault; as in the console
    # (the runtime's one rule), it is not written into the timeline.
    first_up = {}
    for index, line in enumerate(run.seen):
        found = re.search(r"probe: (\S+) \? -> up ", line)
        if found:
            first_up.setdefault(found[1], index)
    assert set(first_up) == {"api", "web", "webhooks", "vendor"}
    first_fault = next(i for i, line in enumerate(run.seen) if "  fault: " in line)
    assert max(first_up.values()) < first_fault
    assert not any(
        event.kind is EventKind.PROBE_STATE_CHANGED
        and event.payload["previous"] is None
        and event.payload["state"] == "up"
        for event in state.events
    )
    assert main(["--data-dir", str(data), "incidents", "--open"]) == 0
    assert main(["--data-dir", str(data), "incidents", "--drills", "--open"]) == 0


def test_bad_play_files_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "soon tick x/y": "is not a time",
        "2s dance": "unknown action 'dance'",
        "2s tick": "'tick' needs an argument",
        "2s role IC": "'role' needs a role and a name",
    }
    for number, (line, message) in enumerate(cases.items()):
        play = tmp_path / f"play{number}.txt"
        play.write_text(f"# comment\n\n{line}\n")
        argv = ["--data-dir", str(tmp_path), "drill", "--headless", "1", "--play", str(play)]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert f"{play}:3: " in err and message in err and len(err.splitlines()) == 1
    play.write_text("2s note fine\n")
    assert main(["drill", "--play", str(play)]) == 2
    assert "--play needs --headless" in capsys.readouterr().err


def test_tick_and_untick_by_step_id_on_any_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(tmp_path)]
    assert main([*data, "declare", "API down", "-s", "SEV-2", "--scenario", "site-outage"]) == 0
    real = capsys.readouterr().out.strip()
    assert main([*data, "declare", "Practice", "-s", "SEV-2", "--drill"]) == 0
    drill = capsys.readouterr().out.strip()
    assert real.startswith("INC-") and drill.startswith("DRILL-") and real[4:] == drill[6:]
    assert main([*data, "tick", real.lower(), "mitigate-1"]) == 0
    assert capsys.readouterr().out.startswith("ticked site-outage/mitigate-1: A recent deploy")
    assert main([*data, "tick", real, "site-outage/mitigate-1"]) == 0
    assert "was already ticked" in capsys.readouterr().out
    assert main([*data, "untick", real, "site-outage/mitigate-1"]) == 0
    assert main([*data, "tick", drill, "general/assess-1"]) == 0  # found in the drills folder
    capsys.readouterr()
    for argv, message in (
        ([*data, "tick", real, "no-such-step"], "no step 'no-such-step' in site-outage"),
        ([*data, "tick", real, "nowhere/x-1"], "no scenario 'nowhere'"),
        ([*data, "tick", drill, "assess-1"], "has no scenario: name the step as scenario/step"),
    ):
        assert main(argv) != 0
        err = capsys.readouterr().err.strip()
        assert message in err and len(err.splitlines()) == 1
    assert main([*data, "incidents"]) == 0
    listed = capsys.readouterr().out
    assert real in listed and drill not in listed
    assert main([*data, "incidents", "--drills"]) == 0
    assert drill in capsys.readouterr().out


def leftovers(temp: Path, ports: list[int]) -> list[str]:
    """Files in the drill's temp folder, ports still listening, processes still running."""
    found = [str(path) for path in temp.iterdir()]
    found += [f"port {port}" for port in ports if listening(port)]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                command = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if str(temp) in command:
                found.append(f"process {proc.name}: {command}")
    return found


@pytest.mark.parametrize("moment", ["starting", "baseline", "faults"])
def test_kill_9_at_any_moment_leaves_no_file_port_or_process(tmp_path: Path, moment: str) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    drill = "pool-exhaustion" if moment == "faults" else "bad-deploy"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "warroom",
            "--data-dir",
            str(tmp_path / "data"),
            "drill",
            drill,
            "--speed",
            "20",
            "--headless",
            "60",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    wanted = {"starting": "starting drill", "baseline": "probe: api", "faults": "fault: api"}
    try:
        for line in process.stdout:
            if wanted[moment] in line:
                break
        journal = list((tmp_path / "data" / "drills" / "journal").glob("*.jsonl"))
        ports = (
            json.loads(journal[0].read_text().splitlines()[0])["detail"]["ports"] if journal else []
        )
        process.kill()  # SIGKILL: no finally, no atexit; only the watchdogs are left
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    deadline = time.monotonic() + 30
    while leftovers(temp, ports) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers(temp, ports) == []
    if journal:  # the report of the killed drill, rebuilt: it ends where the drill died
        incident = journal[0].stem
        time.sleep(1.5)  # "now" moves on; the report must not
        assert main(["--data-dir", str(tmp_path / "data"), "drill", "--report", incident]) == 0
        folder = tmp_path / "data" / "drills"
        state = fold(LocalStore(folder).load_sync(incident).events, incident)
        last = json.loads(journal[0].read_text().splitlines()[-1])["at"]
        assert not state.is_open and format_utc(state.resolved_at) >= last  # type: ignore[arg-type]
        assert (state.resolved_at - parse_utc(last)).total_seconds() < 1.5  # type: ignore[operator]
