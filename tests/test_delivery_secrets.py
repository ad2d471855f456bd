"""Channel URLs and Statuspage keys are secrets: never in config errors, send outcomes,
events, exports, the outbox file or log lines (Apprise's own debug lines included)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.delivery_servers import StatuspageServer, WebhookReceiver
from warroom.config import ConfigError, parse_config
from warroom.delivery import senders
from warroom.delivery.outbox import Backoff, Outbox
from warroom.delivery.worker import Delivery
from warroom.model.incident import fold
from warroom.model.postmortem import to_markdown
from warroom.model.severity import PRESETS
from warroom.redact import redact_text
from warroom.services.incidents import IncidentService
from warroom.store.local import LocalStore

SLACK = "slack://T0AAAA1111/B0BBBB2222/abcdefghijklmnopqrstuvwx"
WEBHOOK_PATH = "incoming/teamchatsecretpath"
PD = "pagerduty://integkey12345678@apikey87654321"


@pytest.mark.parametrize(
    "secret",
    ["T0AAAA1111", "B0BBBB2222", "abcdefghijklmnopqrstuvwx", "integkey12345678", "apikey87654321"],
)
def test_every_token_of_a_channel_url_is_masked_once_configured(secret: str) -> None:
    parse_config(
        {
            "channel": [
                {"name": "room", "url": SLACK, "audiences": ["responders"]},
                {"name": "pager", "url": PD, "audiences": ["escalation"]},
            ]
        }
    )
    assert secret not in redact_text(f"error posting to {SLACK} / {PD}: {secret}")


def test_config_errors_never_quote_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK", "nope://hooksecret123/xyz7890abc")
    bad = [
        {"name": "room", "url": "${HOOK}", "audiences": ["responders"]},
        {"name": "room", "url": "json://h/s3cretpath99", "audiences": "responders"},
        {"name": "room", "url": "json://h/s3cretpath99", "audiences": ["r"], "pager": "yes"},
        {"name": "bad name!", "url": "json://h/s3cretpath99", "audiences": ["r"]},
        {"name": "sp", "kind": "statuspage", "api_key": "key12345678abc", "audiences": ["c"]},
        {"name": "sp", "kind": "pager", "audiences": ["c"]},
        {"name": "sp", "url": "", "audiences": ["c"]},
        {"name": "sp", "url": "no scheme", "audiences": ["c"]},
    ]
    for table in bad:
        with pytest.raises(ConfigError) as caught:
            parse_config({"channel": [table]})
        message = str(caught.value)
        assert "\n" not in message
        for secret in ("hooksecret123", "s3cretpath99", "key12345678abc", "xyz7890abc"):
            assert secret not in message, message


async def test_outcomes_events_exports_outbox_and_logs_hold_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(senders, "READ_TIMEOUT_SECONDS", 1.0)
    caplog.set_level(logging.DEBUG)
    with WebhookReceiver() as receiver, StatuspageServer(api_key="wrong-key") as page:
        receiver.mode = "fail"
        config = parse_config(
            {
                "channel": [
                    {
                        "name": "room",
                        "url": receiver.url("/" + WEBHOOK_PATH),
                        "audiences": ["responders"],
                    },
                    {
                        "name": "status",
                        "kind": "statuspage",
                        "page_id": "pg1",
                        "api_key": "sp-real-key-0123456789",
                        "api_url": page.api_url,
                        "audiences": ["responders"],
                    },
                ]
            }
        )
        clock = lambda: datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # noqa: E731
        service = IncidentService(LocalStore(tmp_path), "alice", PRESETS["sev1-sev3"], clock=clock)
        incident = (await service.declare("Checkout 502s", "SEV-1")).incident_id
        worker = Delivery(Outbox(tmp_path, Backoff()), config.delivery.channels, service, clock)
        report = await worker.send(incident, "responders", "responders", "the update")
        assert [o["outcome"] for o in report.outcomes] == ["failed", "failed"]
        assert "HTTP 401" in report.outcomes[1]["detail"]
    state = fold((await service.store.load(incident)).events)
    export = to_markdown(state, PRESETS["sev1-sev3"], clock(), UTC, "UTC")
    files = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    shown = [str(report.outcomes), export, files, caplog.text]
    assert "room FAILED" in export or "room" in export
    for text in shown:
        assert WEBHOOK_PATH not in text
        assert "sp-real-key-0123456789" not in text
