"""`warroom serve` in a real headless Chromium: the page shows the shared incident live.

The browser is Debian's `chromium`, driven over the DevTools protocol
(tests/support/browser.py); `.ci/run` installs it. Without it these tests skip, saying so.
What the page shows is read from xterm.js's buffer, the text behind its canvas.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.support.browser import Browser, find_chromium
from tests.support.postgres import PostgresCluster
from tests.support.serve import rss_kib, serving
from warroom.cli import main
from warroom.model.events import EventKind
from warroom.store.local import LocalStore

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="NO BROWSER: `warroom serve` untested in a browser; apt-get install chromium",
)
TITLE = "Checkout API returning 502s"


async def cli(*argv: str) -> None:
    """The `warroom` command, as a terminal user runs it (its own event loop)."""
    assert await asyncio.to_thread(main, list(argv)) == 0


async def declare_with_a_note(capsys: pytest.CaptureFixture[str]) -> str:
    await cli("declare", TITLE, "--severity", "SEV1")
    incident = capsys.readouterr().out.strip().splitlines()[-1]
    await cli("note", incident, "Rolled back deploy 4812 from the CLI")
    capsys.readouterr()
    return incident


def notes(data: Path, incident: str) -> list[str]:
    events = LocalStore(data).load_sync(incident).events
    return [e.payload["text"] for e in events if e.kind is EventKind.NOTE]


async def test_a_browser_watches_and_works_the_shared_incident(
    tmp_path: Path, isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert CHROMIUM is not None
    incident = await declare_with_a_note(capsys)
    token_file = tmp_path / "serve.token"
    with serving("--token-file", str(token_file), host="127.0.0.2") as served:
        token = token_file.read_text().strip()
        async with Browser(CHROMIUM) as browser:
            started = time.monotonic()
            await browser.navigate(f"{served.url}?token={token}")
            text = await browser.wait_for_text(TITLE, "Rolled back deploy 4812 from the CLI")
            first_frame = time.monotonic() - started
            assert incident in text and "3 Timeline" in text and "READ-ONLY" not in text
            assert token not in await browser.evaluate("location.href")
            shot = await browser.screenshot(tmp_path / "served.png")
            assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 20_000
            sessions = served.session_processes()
            assert len(sessions) == 1
            with capsys.disabled():
                print(
                    f"\nwarroom serve: first full frame {first_frame:.2f}s after navigating;"
                    f" session console RSS {rss_kib(sessions[0]) / 1024:.0f} MiB"
                )

            # Live: a note written from a terminal appears in the page.
            await cli("note", incident, "DB failover started from a terminal")
            await browser.wait_for_text("DB failover started from a terminal")

            # With the token, the browser works the incident: n, text, Enter.
            await browser.type_text("n")
            # The note line has the focus once the timeline's keys leave the footer and its
            # own come (an empty footer, as when it was drawn while the page was blurred,
            # must not pass for a focused note line).
            await browser.wait_until(
                lambda text: "Strike" not in text and "Save note" in text, "the note line focused"
            )
            await browser.type_text("Status page updated from the browser")
            await browser.press_enter()
            deadline = time.monotonic() + 15
            while "Status page updated from the browser" not in notes(isolated_dirs, incident):
                assert time.monotonic() < deadline, notes(isolated_dirs, incident)
                await asyncio.sleep(0.1)
    assert notes(isolated_dirs, incident) == [
        "Rolled back deploy 4812 from the CLI",
        "DB failover started from a terminal",
        "Status page updated from the browser",
    ]


async def test_a_read_only_page_changes_nothing(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert CHROMIUM is not None
    incident = await declare_with_a_note(capsys)
    before = (isolated_dirs / "incidents" / f"{incident}.jsonl").read_bytes()
    with serving("--read-only") as served:
        async with Browser(CHROMIUM) as browser:
            await browser.navigate(served.url)
            await browser.wait_for_text("READ-ONLY", TITLE)
            await browser.type_text("s")
            await browser.wait_for_text("read-only console")
            await browser.type_text("n")
            await browser.type_text("p")
            await browser.wait_for_text("read-only console")
    assert (isolated_dirs / "incidents" / f"{incident}.jsonl").read_bytes() == before


@pytest.mark.postgres
async def test_a_page_on_the_shared_postgres_store_follows_it_live(
    database: tuple[PostgresCluster, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each browser session is a console on the shared store: a note written from a
    terminal elsewhere arrives (LISTEN/NOTIFY), and the DSN's password is never shown."""
    assert CHROMIUM is not None
    cluster, name = database
    secret = "pw_Serve_7731_secret"
    dsn = cluster.dsn(password=secret, db=name)
    await cli("--store", dsn, "declare", TITLE, "--severity", "SEV1")
    incident = capsys.readouterr().out.strip().splitlines()[-1]
    with serving("--store", dsn, "--read-only") as served:
        assert not any(secret in line for line in served.output)
        async with Browser(CHROMIUM) as browser:
            await browser.navigate(served.url)
            text = await browser.wait_for_text("READ-ONLY", TITLE)
            assert secret not in text and "OFFLINE" not in text
            await cli("--store", dsn, "note", incident, "Replica promoted by the DBA")
            await browser.wait_for_text("Replica promoted by the DBA")
