"""The outcome of one lifecycle event on one host, as the agent records it in Redis (JSON)."""

from __future__ import annotations

import time
from typing import Any

from deployq.domain.enums import LifecycleErrorCode, LifecycleEventStatus


def make_outcome(
    status: LifecycleEventStatus,
    *,
    started: float,
    error_code: LifecycleErrorCode | None = None,
    script_name: str | None = None,
    message: str = "",
    log: str = "",
    exit_code: int | None = None,
    revision_dir: str | None = None,
) -> dict[str, Any]:
    return {
        "status": status.value,
        "error_code": (error_code or (LifecycleErrorCode.SUCCESS if status is not LifecycleEventStatus.FAILED
                                      else LifecycleErrorCode.UNKNOWN_ERROR)).value,
        "script_name": script_name,
        "message": message,
        "log": log,
        "exit_code": exit_code,
        "start_time": started,
        "end_time": time.time(),
        #: the deployment directory whose appspec and scripts ran (pain point #2: say which revision)
        "revision_dir": revision_dir,
    }
