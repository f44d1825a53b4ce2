"""Queue names: one for the coordinator, one per host."""

from __future__ import annotations

from deployq.domain.names import check_name

COORDINATOR_QUEUE = "deployq.coordinator"
HOST_QUEUE_PREFIX = "deployq.host."


def host_queue(host: str) -> str:
    """The queue that only the agent serving ``host`` consumes."""
    return HOST_QUEUE_PREFIX + check_name("host", host)
