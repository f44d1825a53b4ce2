"""The lifecycle events of a deployment on one host (reference §1.1)."""

from __future__ import annotations

from deployq.domain.enums import LifecycleEventName as E

IN_PLACE = (
    E.APPLICATION_STOP, E.DOWNLOAD_BUNDLE, E.BEFORE_INSTALL, E.INSTALL, E.AFTER_INSTALL,
    E.APPLICATION_START, E.VALIDATE_SERVICE,
)
IN_PLACE_WITH_TRAFFIC = (
    E.BEFORE_BLOCK_TRAFFIC, E.BLOCK_TRAFFIC, E.AFTER_BLOCK_TRAFFIC, *IN_PLACE,
    E.BEFORE_ALLOW_TRAFFIC, E.ALLOW_TRAFFIC, E.AFTER_ALLOW_TRAFFIC,
)


def server_events(with_traffic_control: bool = False) -> tuple[str, ...]:
    return tuple(e.value for e in (IN_PLACE_WITH_TRAFFIC if with_traffic_control else IN_PLACE))
