"""Copies what agents recorded in Redis into the durable record (SQL), idempotently."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deployq.domain.enums import LifecycleErrorCode, LifecycleEventStatus, TargetStatus
from deployq.domain.model import LifecycleEvent
from deployq.progress import ProgressStore
from deployq.store import Store


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(float(value), UTC)


def event_from_outcome(name: str, outcome: dict[str, Any]) -> LifecycleEvent:
    code = outcome.get("error_code")
    return LifecycleEvent(
        name=name,
        status=LifecycleEventStatus(outcome["status"]),
        start_time=_time(outcome.get("start_time")),
        end_time=_time(outcome.get("end_time")),
        error_code=LifecycleErrorCode(code) if code else None,
        script_name=outcome.get("script_name"),
        message=outcome.get("message") or None,
        log=outcome.get("log") or None,
    )


def target_status(outcomes: list[dict[str, Any] | None]) -> TargetStatus:
    """Failed when an event failed, or when events were skipped because the deployment stopped
    (``blocked``): such a host did not get the whole revision."""
    if any(o is not None and (o["status"] == LifecycleEventStatus.FAILED.value or o.get("blocked"))
           for o in outcomes):
        return TargetStatus.FAILED
    if all(o is not None for o in outcomes):
        return TargetStatus.SUCCEEDED
    return TargetStatus.IN_PROGRESS


def record_host(store: Store, progress: ProgressStore, deployment_id: str, host: str,
                events: list[str]) -> tuple[TargetStatus, list[dict[str, Any] | None]]:
    """Record every finished event of ``host`` and its target status; return them."""
    outcomes: list[dict[str, Any] | None] = []
    for name in events:
        state = progress.event_state(deployment_id, host, name)
        outcome = state.get("outcome") if state.get("state") == "finished" else None
        outcomes.append(outcome)
        if outcome is not None:
            store.deployments.record_event(deployment_id, host, event_from_outcome(name, outcome))
    status = target_status(outcomes)
    store.deployments.set_target_status(deployment_id, host, status)
    return status, outcomes
