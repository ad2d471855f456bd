"""The main screen's delivery side: `S` sends the draft, `O` opens the outbox, the
palette pages the on-call, and the header shows "2 unsent" and the public-page drift.

Mixed into `MainScreen`. The outbox (`warroom.delivery.worker.Delivery`) belongs to the
runtime, which drains it and absorbs late deliveries like any event. Channels come from
the config's `[[channel]]` tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warroom.config import ConfigError, delivery_config
from warroom.delivery.worker import Delivery
from warroom.model.delivery import page_text, summary_line
from warroom.model.events import Event, parse_utc
from warroom.model.public_page import PublicPage, drift_line, page_age_line
from warroom.model.text import inert
from warroom.ui.panes.comms import CommsComposer
from warroom.ui.panes.header import IncidentHeader
from warroom.ui.read_only import READ_ONLY_NOTICE
from warroom.ui.screens.outbox import OutboxScreen, SendPreviewScreen

if TYPE_CHECKING:
    from warroom.model.incident import IncidentState
    from warroom.runtime import IncidentRuntime
    from warroom.services.session import IncidentSession
    from warroom.ui.app import WarroomApp

ESCALATION = "escalation"


class DeliveryActions:
    """Mixed into `MainScreen`, which provides the session, the app and `_do`."""

    delivery: Delivery | None = None
    public_page: PublicPage | None = None

    if TYPE_CHECKING:
        app: Any
        wr: WarroomApp
        session: IncidentSession
        runtime: IncidentRuntime
        state: IncidentState

        def run_worker(self, work: Any, **kwargs: Any) -> Any: ...

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...

        def notify(self, message: str, **kwargs: Any) -> None: ...

        def absorb(self, events: list[Event]) -> None: ...

        def _state_with_probes(self) -> IncidentState: ...

    def start_delivery(self) -> None:
        """Read `[public_page]`, take the runtime's outbox, feed the header (the runtime
        drains the outbox: warroom.runtime.delivery)."""
        try:
            config = delivery_config(self.wr.config)
        except ConfigError as error:
            self.notify(str(error), severity="error", timeout=15)
            return
        self.public_page = config.public_page
        self.delivery = self.runtime.delivery
        self.query_one(IncidentHeader).delivery_status = self.delivery_status

    def delivery_status(self, now: datetime) -> tuple[str, str]:
        """(short note for the header's clock line, alarm line or "")."""
        unsent = self.delivery.unsent_count if self.delivery else 0
        short = f"⚠ {unsent} unsent (O)" if unsent else ""
        page = self.public_page
        if page is None:
            return short, ""
        state = self._state_with_probes()
        alarms = [line for line in (drift_line(state, page, now),) if line]
        age = page_age_line(state, self.session.ladder, page, self._page_updated_at(), now)
        if age:
            alarms.append(age)
        return short, inert("⚠ " + " · ".join(alarms), single_line=True) if alarms else ""

    def _page_updated_at(self) -> datetime | None:
        page = self.public_page
        if page is None:
            return None
        row = next((r for r in self.wr.feed.rows() if r.name == page.service), None)
        stamp = (row.detail or {}).get("page_updated_at") if row is not None else None
        try:
            return parse_utc(stamp) if isinstance(stamp, str) and stamp else None
        except ValueError:
            return None

    # Sending ------------------------------------------------------------------------

    def on_comms_composer_send_requested(self, message: CommsComposer.SendRequested) -> None:
        template = message.template
        promise = message.draft.promise if message.draft is not None else None
        self.offer_send(template.id, template.title, template.audience, message.text, promise)

    def offer_send(
        self,
        template_id: str,
        title: str,
        audience: str,
        text: str,
        promise: datetime | None = None,
    ) -> None:
        """The preview naming each destination; `y` sends."""
        delivery = self.delivery
        if delivery is None:
            return
        if self.wr.read_only:
            self.notify(READ_ONLY_NOTICE, severity="warning")
            return
        if not text.strip():
            self.notify("The draft is empty", severity="warning")
            return
        channels = delivery.channels_for(audience)
        if not channels:
            self.notify(
                f"No channel for {inert(audience, single_line=True)}: add a [[channel]] with "
                f'audiences = ["{inert(audience, single_line=True)}"] (y still copies)',
                severity="warning",
                timeout=8,
            )
            return

        def answered(send: bool | None) -> None:
            if send:
                self.run_worker(
                    self._send(template_id, audience, text, promise, channels),
                    exit_on_error=False,
                    group="send",
                )

        preview = SendPreviewScreen(title, audience, [c.label for c in channels], text)
        self.app.push_screen(preview, answered)

    async def _send(
        self,
        template_id: str,
        audience: str,
        text: str,
        promise: datetime | None,
        channels: list[Any],
    ) -> None:
        delivery = self.delivery
        assert delivery is not None
        state = self.state
        try:
            report = await delivery.send(
                self.session.incident_id,
                template_id,
                audience,
                text,
                next_update_at=promise if state.is_open else None,
                status=state.status.value,
                channels=channels,
            )
        except OSError as error:
            self.notify(f"Not sent: the outbox cannot be written ({error})", severity="error")
            return
        if report.event is not None:
            self.absorb([report.event])
        failed = report.delivered < len(report.outcomes)
        self.notify(
            inert(summary_line(report.outcomes), single_line=True),
            severity="warning" if failed else "information",
            timeout=10,
        )
        if report.event_error:
            self.notify(f"Sent, but not on the timeline: {report.event_error}", severity="error")

    def action_page(self) -> None:
        """Page the on-call: the escalation audience's channels, a short page."""
        self.offer_send("page", "page", ESCALATION, page_text(self.state))

    def action_outbox(self) -> None:
        delivery = self.delivery
        if delivery is None:
            return
        labels = {c.name: c.label for c in delivery.channels}

        def retry() -> None:
            delivery.outbox.retry_now(self.wr.clock())
            delivery.wake()

        self.app.push_screen(OutboxScreen(delivery.outbox.entries, retry, self.wr.clock, labels))

    def delivery_commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        yield ("Comms: send the draft", "to the audience's channels", self._send_draft)
        yield ("Page the on-call", "the escalation channels (pager)", self.action_page)
        yield ("Outbox", "unsent messages: retry, copy", self.action_outbox)

    def _send_draft(self) -> None:
        self.query_one(CommsComposer).action_send()
