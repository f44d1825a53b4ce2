"""The Redis progress store: live state of deployments, targets and events, heartbeats, locks."""

from deployq.progress.keys import Keys
from deployq.progress.store import ProgressStore

__all__ = ["Keys", "ProgressStore"]
