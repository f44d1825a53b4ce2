"""What the API process holds: settings, stores, the Celery producer, the service layer, credentials."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from celery import Celery

from deployq.api.credentials import Credentials, load_credentials
from deployq.config.settings import Settings
from deployq.progress import ProgressStore
from deployq.service.deployments import DeploymentService
from deployq.store import Store
from deployq.workers.app import create_celery

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    store: Store
    progress: ProgressStore
    celery: Celery
    deployments: DeploymentService
    credentials: Credentials

    @classmethod
    def build(cls, settings: Settings) -> Services:
        store = Store(settings.sqlalchemy_url)
        assert settings.redis_url
        progress = ProgressStore.from_url(settings.redis_url, settings.redis_prefix)
        celery = create_celery(settings)
        return cls(settings, store, progress, celery, DeploymentService(store, progress, celery),
                   load_credentials(settings.credentials_path))

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking store work off the event loop."""
        return await anyio.to_thread.run_sync(partial(fn, *args))

    def close(self) -> None:
        self.celery.close()
        self.store.close()
