"""An event's log: ``scripts.log`` in the deployment directory (§4 format), a live Redis stream, and
the text kept for the event's outcome."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TextIO

from deployq.progress import ProgressStore

#: The most of an event's log kept in its outcome (the whole log stays in scripts.log and the stream).
MAX_OUTCOME_LOG = 1 << 20


class EventLog:
    def __init__(self, path: Path, progress: ProgressStore, *, deployment_id: str, host: str, event: str,
                 flush_every: float = 0.2) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file: TextIO = path.open("a", encoding="utf-8")
        self.progress = progress
        self.deployment_id = deployment_id
        self.host = host
        self.event = event
        self.flush_every = flush_every
        self.pending: list[dict[str, str]] = []
        self.last_flush = time.monotonic()
        self.kept: list[str] = []
        self.kept_size = 0
        self.dropped = 0
        self.line(f"LifecycleEvent - {event}")

    def line(self, text: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.file.write(f"{stamp} {text}\n")
        self.pending.append({"host": self.host, "event": self.event, "time": repr(time.time()), "line": text})
        self._keep(text)
        if time.monotonic() - self.last_flush >= self.flush_every:
            self.flush()

    def _keep(self, text: str) -> None:
        self.kept.append(text)
        self.kept_size += len(text) + 1
        while self.kept_size > MAX_OUTCOME_LOG and len(self.kept) > 1:
            self.kept_size -= len(self.kept.pop(0)) + 1
            self.dropped += 1

    def flush(self) -> None:
        self.file.flush()
        if self.pending:
            batch, self.pending = self.pending, []
            self.progress.append_logs(self.deployment_id, batch)
        self.last_flush = time.monotonic()

    def text(self) -> str:
        head = f"[{self.dropped} earlier lines are in scripts.log]\n" if self.dropped else ""
        return head + "\n".join(self.kept)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.file.close()
