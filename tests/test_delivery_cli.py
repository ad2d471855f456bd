"""`warroom send` and `warroom outbox` as a user runs them: real processes, a real JSON
webhook on loopback that goes down and comes back, a Statuspage-API-shaped server; every
message arrives once, and no channel secret shows in output, events or exports."""

from __future__ import annotations

from pathlib import Path

from tests.support.delivery_servers import STATUSPAGE_API_KEY, StatuspageServer, WebhookReceiver
from tests.test_cli_incidents import warroom

CHAT_TOKEN = "T0CHAT/B0HOOK/xoxb9secret7token"


def write_config(
    folder: Path, receiver: WebhookReceiver, page: StatuspageServer, monkeypatch
) -> None:
    monkeypatch.setenv("CHAT_HOOK", receiver.url(f"/{CHAT_TOKEN}"))
    monkeypatch.setenv("STATUSPAGE_API_KEY", STATUSPAGE_API_KEY)
    (folder / "warroom.toml").write_text(
        f"""
[[channel]]
name = "incident-room"
url = "${{CHAT_HOOK}}"
audiences = ["responders"]

[[channel]]
name = "public-status"
kind = "statuspage"
page_id = "{page.page_id}"
api_key = "${{STATUSPAGE_API_KEY}}"
api_url = "{page.api_url}"
audiences = ["customers"]
"""
    )


def test_send_through_an_outage_every_message_once_and_no_secret_anywhere(
    tmp_path: Path, isolated_dirs: Path, receiver, statuspage, monkeypatch
) -> None:
    write_config(tmp_path, receiver, statuspage, monkeypatch)
    incident = warroom("declare", "Checkout 502s", "-s", "SEV-1", "--ic", "Alice").stdout.strip()
    warroom("set", incident, "customer-summary", "Some customers cannot check out.")

    first = warroom("send", incident, "--audience", "responders", "--yes")
    assert "  - incident-room (json)" in first.stdout
    assert "incident-room: delivered" in first.stdout
    assert len(receiver.wait_for(1)) == 1

    receiver.stop()  # the chat endpoint goes down
    second = warroom("send", incident, "--audience", "responders", "--yes", check=False)
    assert second.returncode == 2, second.stdout + second.stderr
    assert "incident-room: failed" in second.stdout
    assert "1 left in the outbox" in second.stdout
    listed = warroom("outbox", check=False)
    assert listed.returncode == 1 and "incident-room" in listed.stdout

    customers = warroom("send", incident, "--audience", "customers", "--yes")
    assert "public-status: delivered" in customers.stdout
    posted = statuspage.wait_for(1)
    assert posted[0]["incident"]["body"].startswith("")
    assert "Some customers cannot check out." in posted[0]["incident"]["body"]
    assert incident not in posted[0]["incident"]["body"]  # nothing internal for customers

    receiver.start()  # back on the same port
    retried = warroom("outbox", "--retry")
    assert "1 delivered now" in retried.stdout
    assert warroom("outbox", "--retry").stdout.startswith("0 delivered now")
    bodies = receiver.wait_for(2)
    assert len(bodies) == 2 and len({b["idempotency_key"] for b in bodies}) == 2
    assert len(statuspage.received) == 1

    # A second customer update edits the Statuspage incident the first one opened.
    assert posted[0]["incident"]["status"] == "investigating"
    warroom("status", incident, "mitigating")  # Statuspage has no such status
    warroom("send", incident, "--audience", "customers", "--yes")
    assert statuspage.wait_for(2)[1]["incident"]["status"] == "identified"
    assert statuspage.requests[-1] == ("PATCH", f"/v1/pages/{statuspage.page_id}/incidents/inc1")

    export = warroom("export", incident).stdout
    assert "incident-room" in export
    everything = [first, second, listed, customers, retried]
    files = [p.read_text(errors="replace") for p in isolated_dirs.rglob("*") if p.is_file()]
    for text in [*(r.stdout + r.stderr for r in everything), export, *files]:
        assert "xoxb9secret7token" not in text
        assert STATUSPAGE_API_KEY not in text


def test_send_refuses_clearly(tmp_path: Path, receiver, statuspage, monkeypatch) -> None:
    write_config(tmp_path, receiver, statuspage, monkeypatch)
    incident = warroom("declare", "Checkout 502s", "-s", "SEV-1").stdout.strip()
    none = warroom("send", incident, "--audience", "executives", "--yes", check=False)
    assert none.returncode != 0
    assert "no [[channel]] for audience 'executives'" in none.stderr
    assert len(none.stderr.strip().splitlines()) == 1
    asked = warroom("send", incident, "--audience", "responders", check=False)
    assert "add --yes" in asked.stderr and receiver.received == []
    (tmp_path / "warroom.toml").write_text(
        '[[channel]]\nname = "room"\nurl = "nope://x/y"\naudiences = ["responders"]\n'
    )
    bad = warroom("send", incident, "--audience", "responders", "--yes", check=False)
    assert "channel 'room': url: Apprise does not understand" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_paging_the_on_call_is_sent_and_logged(tmp_path: Path, receiver, monkeypatch) -> None:
    monkeypatch.setenv("PAGER_HOOK", receiver.url("/pager/T0PAGE/k3y9secret"))
    (tmp_path / "warroom.toml").write_text(
        '[[channel]]\nname = "oncall"\nurl = "${PAGER_HOOK}"\npager = true\n'
        'audiences = ["escalation"]\n'
    )
    incident = warroom("declare", "Checkout 502s", "-s", "SEV-1", "--ic", "Alice").stdout.strip()
    warroom("set", incident, "impact", "Nobody can pay")
    warroom("status", incident, "mitigating")
    paged = warroom("send", incident, "--audience", "escalation", "--yes")
    assert "  - oncall (json, pager)" in paged.stdout
    assert "oncall: delivered" in paged.stdout
    body = receiver.wait_for(1)[0]["message"]
    assert body.splitlines() == [
        f"[SEV-1] {incident}: Checkout 502s",
        "Impact: Nobody can pay",
        "Status: mitigating · IC: Alice",
    ]
    export = warroom("export", incident, "--format", "json").stdout
    assert '"pager": true' in export and "comms_sent" in export
    assert "k3y9secret" not in export + paged.stdout
