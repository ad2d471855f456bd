"""open_context: the one place the console, `watch`, the drill and the CLI build what an
incident needs (the service over the store, the time zone, the registered timed rules).

`open_context(config, store, data_dir, author)` checks the config once (an unknown time
zone is a one-line `ContextError`) and returns a `RuntimeContext`; its `open_runtime` /
`open_latest` give the `IncidentRuntime` of one incident, `runtime_for` wraps a session
already open. Nothing here imports Textual or the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from warroom.config import Config
from warroom.model.events import utc_now
from warroom.model.timed import TimedRule
from warroom.runtime.delivery import Delivery, delivery_for
from warroom.runtime.incident import IncidentRuntime
from warroom.runtime.rules import RuleContext, default_rules
from warroom.runtime.zone import zone_of_config
from warroom.scenarios.loader import Catalogue
from warroom.services.incidents import IncidentService
from warroom.services.session import IncidentSession
from warroom.store.base import IncidentStore
from warroom.store.leases import FileLease, HeldLease, Lease
from warroom.store.local import LocalStore

PROBE_LEASE = "probe-writer"


def lease_for(store: IncidentStore, incident_id: str, job: str) -> Lease:
    """The lease deciding which process sharing `store` does `job` for the incident: an
    advisory lock on PostgreSQL, a file lock beside local files, else always held."""
    if isinstance(store, LocalStore):
        return FileLease(store.folder / f".{incident_id}.{job}.lease")
    if hasattr(store, "lease_connection"):
        from warroom.store.pg_lease import AdvisoryLease

        return AdvisoryLease(store, f"warroom:{job}:{incident_id}")  # type: ignore[arg-type]
    return HeldLease()


@dataclass
class RuntimeContext:
    """What every incident opened by one front end shares."""

    config: Config
    store: IncidentStore
    service: IncidentService
    data_dir: Path
    zone: tzinfo | None
    clock: Callable[[], datetime] = utc_now
    catalogue: Catalogue | None = None
    rules_factory: Callable[[RuleContext], list[TimedRule]] = field(default=default_rules)
    _delivery: Delivery | None = field(default=None, init=False, repr=False)

    @property
    def zone_name(self) -> str | None:
        return self.config.timezone

    def rules(self) -> list[TimedRule]:
        """The registered timed rules, built for this config (a fresh list each call)."""
        return self.rules_factory(
            RuleContext(self.config, self.service.ladder_of, catalogue=self.catalogue)
        )

    def runtime_for(self, session: IncidentSession) -> IncidentRuntime:
        lease = lease_for(self.store, session.incident_id, PROBE_LEASE)
        runtime = IncidentRuntime(session, self.rules(), self.clock, lease)
        runtime.delivery = self.delivery()
        return runtime

    def delivery(self) -> Delivery:
        """The outbox of the data folder and the configured channels (one per context)."""
        if self._delivery is None:
            self._delivery = delivery_for(self.config, self.data_dir, self.service, self.clock)
        return self._delivery

    async def open_runtime(self, incident_id: str) -> IncidentRuntime:
        """The runtime of `incident_id` (UnknownIncident when the store lacks it)."""
        session = IncidentSession(self.service, incident_id)
        try:
            await session.open()
        except BaseException:
            await session.close()
            raise
        return self.runtime_for(session)

    async def open_latest(self) -> IncidentRuntime | None:
        """The runtime of the most recent open incident (not a drill), or None."""
        session = await IncidentSession.open_latest(self.service)
        return None if session is None else self.runtime_for(session)

    async def close(self) -> None:
        await self.store.close()


def open_context(
    config: Config,
    store: IncidentStore,
    data_dir: Path,
    author: str,
    *,
    read_only: bool = False,
    clock: Callable[[], datetime] = utc_now,
    catalogue: Catalogue | None = None,
    service: IncidentService | None = None,
) -> RuntimeContext:
    """Everything an incident needs, built the same way for every front end.

    `service`: one already built (the console's tests give one with a fixed clock);
    else an `IncidentService` for `author` over `store` with the config's ladders.
    """
    zone = zone_of_config(config)
    if service is None:
        service = IncidentService(
            store,
            author,
            config.ladder,
            config.custom_ladders,
            clock=clock,
            read_only=read_only,
        )
    return RuntimeContext(
        config=config,
        store=store,
        service=service,
        data_dir=Path(data_dir),
        zone=zone,
        clock=clock,
        catalogue=catalogue,
    )
