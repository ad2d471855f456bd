"""The delivery sections of the config: `[[channel]]` tables and `[public_page]`.

```toml
[public_page]
service = "our-status"          # a [[service]] of kind "statuspage" reading our own page
severities = ["SEV-1"]          # default: the ladder's most severe level
drift_after = 10                # minutes before "public page still says Operational"
components = { Checkout = ["api", "payments"] }   # component -> services it shows
```
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from warroom.delivery.channels import Channel, ChannelError, parse_channels
from warroom.model.public_page import PublicPage

PUBLIC_PAGE_KEYS = frozenset({"service", "severities", "drift_after", "components"})


@dataclass(frozen=True)
class DeliveryConfig:
    channels: list[Channel] = field(default_factory=list)
    public_page: PublicPage | None = None


def parse_delivery(
    data: Mapping[str, Any], where: str, ladder_keys: Sequence[str], services: Sequence[str]
) -> DeliveryConfig:
    """ChannelError (one line, naming the field, never a URL) for anything unusable."""
    channels = parse_channels(data.get("channel"), where)
    raw = data.get("public_page")
    if raw is None:
        return DeliveryConfig(channels)
    if not isinstance(raw, Mapping):
        raise ChannelError(f"{where}: [public_page] must be a table")
    unknown = sorted(str(key) for key in raw if key not in PUBLIC_PAGE_KEYS)
    if unknown:
        raise ChannelError(f"{where}: public_page: unknown field {unknown[0]!r}")
    service = raw.get("service")
    if not isinstance(service, str) or service not in services:
        raise ChannelError(
            f"{where}: public_page.service: expected the name of a [[service]] "
            '(kind = "statuspage") that reads your public page'
        )
    severities = raw.get("severities", list(ladder_keys[:1]))
    if (
        not isinstance(severities, list)
        or not severities
        or not all(isinstance(s, str) and s in ladder_keys for s in severities)
    ):
        raise ChannelError(
            f"{where}: public_page.severities: expected a list of {', '.join(ladder_keys)}"
        )
    after = raw.get("drift_after", 10)
    if isinstance(after, bool) or not isinstance(after, int | float) or not 0 < after <= 1440:
        raise ChannelError(f"{where}: public_page.drift_after: expected minutes (1-1440)")
    components = raw.get("components", {})
    if not isinstance(components, Mapping) or not all(
        isinstance(v, list) and all(isinstance(s, str) for s in v) for v in components.values()
    ):
        raise ChannelError(
            f'{where}: public_page.components: expected {{ Component = ["service", ...] }}'
        )
    page = PublicPage(
        service=service,
        severities=tuple(severities),
        drift_after=timedelta(minutes=after),
        components={str(k): tuple(v) for k, v in components.items()},
    )
    return DeliveryConfig(channels, page)
