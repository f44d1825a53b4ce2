"""What a task needs in its process: the settings and the stores, built once per process.

Engines and Redis pools are never shared across ``fork``: a new pid builds its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

from celery import Celery

from deployq.config.settings import Settings
from deployq.progress import ProgressStore
from deployq.store import Store
from deployq.workers.app import settings_of


@dataclass
class Context:
    settings: Settings
    pid: int

    @cached_property
    def store(self) -> Store:
        return Store(self.settings.sqlalchemy_url)

    @cached_property
    def progress(self) -> ProgressStore:
        assert self.settings.redis_url
        return ProgressStore.from_url(self.settings.redis_url, self.settings.redis_prefix)


_contexts: dict[int, Context] = {}


def context_for(app: Celery) -> Context:
    pid = os.getpid()
    ctx = _contexts.get(id(app))
    if ctx is None or ctx.pid != pid:
        ctx = Context(settings_of(app), pid)
        _contexts[id(app)] = ctx
    return ctx
