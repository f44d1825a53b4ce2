"""Crash recovery: a file per running event under ``<root>/ongoing-deployment/`` (as CodeDeploy's
agent keeps one). When an agent restarts, every file left behind names an event whose run died with
the agent: its scripts' process group is ended and the event is reported failed, never run again."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

RESTART_MESSAGE = "Failed: Failing in-progress lifecycle event after an agent restart."


@dataclass
class Ongoing:
    deployment_id: str
    host: str
    event: str
    token: str
    pgid: int | None = None
    #: The start time of the process group leader (field 22 of /proc/<pid>/stat), so that a reused
    #: pid is never signalled.
    pgid_start: str | None = None


def _start_time(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


class Tracker:
    def __init__(self, root: Path) -> None:
        self.dir = root / "ongoing-deployment"

    def _path(self, ongoing: Ongoing) -> Path:
        return self.dir / f"{ongoing.deployment_id}.{ongoing.event}.{ongoing.token}.json"

    def begin(self, ongoing: Ongoing) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._write(ongoing)

    def _write(self, ongoing: Ongoing) -> None:
        path = self._path(ongoing)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(ongoing)))
        os.replace(tmp, path)

    def started_process(self, ongoing: Ongoing, pid: int) -> None:
        ongoing.pgid, ongoing.pgid_start = pid, _start_time(pid)
        self._write(ongoing)

    def end(self, ongoing: Ongoing) -> None:
        self._path(ongoing).unlink(missing_ok=True)

    def left_behind(self) -> Iterator[Ongoing]:
        if not self.dir.is_dir():
            return
        for path in sorted(self.dir.glob("*.json")):
            try:
                yield Ongoing(**json.loads(path.read_text()))
            except (OSError, ValueError, TypeError):
                path.unlink(missing_ok=True)

    @staticmethod
    def kill_leftover(ongoing: Ongoing) -> bool:
        """End the process group of a run that outlived its agent; True if there was one."""
        if ongoing.pgid is None or _start_time(ongoing.pgid) != ongoing.pgid_start:
            return False
        try:
            os.killpg(ongoing.pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            return False
        return True
