"""The Celery app factory: JSON only, explicit task names and includes, late acks, one prefetch."""

from __future__ import annotations

from celery import Celery
from kombu.entity import Queue

from deployq.config.settings import Settings
from deployq.errors import ConfigurationError
from deployq.workers.queues import COORDINATOR_QUEUE

#: Every module that defines tasks; nothing is autodiscovered.
TASK_MODULES = ["deployq.tasks.system", "deployq.tasks.instances", "deployq.tasks.agent", "deployq.tasks.deployments"]


def create_celery(settings: Settings) -> Celery:
    """Build the Celery app for ``settings`` (whose ``redis_url`` must be known by now)."""
    if not settings.redis_url:
        raise ConfigurationError("no Redis URL: set DEPLOYQ_REDIS_URL or start the stack with `deployq up`")
    app = Celery("deployq", set_as_current=True)
    app.conf.update(
        broker_url=settings.redis_url,
        result_backend=settings.redis_url,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout},
        # JSON only: anyone who can write to Redis must not get code execution in workers.
        task_serializer="json",
        result_serializer="json",
        event_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        # Deployment steps are idempotent: acknowledge after running, reserve one at a time.
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        result_expires=3600,
        task_default_queue=COORDINATOR_QUEUE,
        task_queues=[Queue(COORDINATOR_QUEUE)],  # type: ignore[no-untyped-call]
        task_create_missing_queues=True,
        task_routes={
            "deployq.system.*": {"queue": COORDINATOR_QUEUE},
            "deployq.instances.*": {"queue": COORDINATOR_QUEUE},
            "deployq.deployments.*": {"queue": COORDINATOR_QUEUE},
        },
        worker_send_task_events=True,
        task_send_sent_event=True,
        enable_utc=True,
        timezone="UTC",
        include=list(TASK_MODULES),
        beat_schedule={
            "deployq-tick": {"task": "deployq.system.tick", "schedule": settings.beat_interval},
        },
        beat_schedule_filename=str(settings.data_dir / "celerybeat-schedule"),
        worker_hijack_root_logger=True,
    )
    app.deployq_settings = settings
    return app


def settings_of(app: Celery) -> Settings:
    settings = getattr(app, "deployq_settings", None)
    if not isinstance(settings, Settings):
        raise ConfigurationError("this Celery app was not built by deployq.workers.app.create_celery")
    return settings
