"""After a restart: fail every event whose run died with the previous agent process."""

from __future__ import annotations

import time

from deployq.agent.config import HostConfig
from deployq.agent.outcome import make_outcome
from deployq.agent.tracking import RESTART_MESSAGE, Ongoing, Tracker
from deployq.domain.enums import LifecycleErrorCode, LifecycleEventStatus
from deployq.progress import ProgressStore


def recover(host: HostConfig, progress: ProgressStore) -> list[Ongoing]:
    """End leftover script process groups and record their events Failed (the agent's error code 7);
    a redelivery of those events then finds them finished and does not run them again."""
    tracker = Tracker(host.root)
    failed = []
    for ongoing in tracker.left_behind():
        Tracker.kill_leftover(ongoing)
        outcome = make_outcome(LifecycleEventStatus.FAILED, started=time.time(),
                               error_code=LifecycleErrorCode.UNKNOWN_ERROR, message=RESTART_MESSAGE)
        if progress.finish_event(ongoing.deployment_id, ongoing.host, ongoing.event, ongoing.token, outcome):
            failed.append(ongoing)
        tracker.end(ongoing)
    return failed
