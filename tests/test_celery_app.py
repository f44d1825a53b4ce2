"""The Celery app factory's promises, read from the app itself."""

from __future__ import annotations

import re

import pytest

from deployq.config.settings import load_settings
from deployq.errors import ConfigurationError
from deployq.workers.app import TASK_MODULES, create_celery
from deployq.workers.queues import COORDINATOR_QUEUE, host_queue


@pytest.fixture
def app():  # type: ignore[no-untyped-def]
    app = create_celery(load_settings({}, redis_url="redis://127.0.0.1:1/0", visibility_timeout=900))
    app.loader.import_default_modules()
    yield app
    app.close()


def test_json_only(app) -> None:  # type: ignore[no-untyped-def]
    conf = app.conf
    assert conf.task_serializer == conf.result_serializer == conf.event_serializer == "json"
    assert list(conf.accept_content) == ["json"]
    assert list(conf.result_accept_content) == ["json"]


def test_late_acks_single_prefetch_and_queues(app) -> None:  # type: ignore[no-untyped-def]
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    assert conf.task_default_queue == COORDINATOR_QUEUE == "deployq.coordinator"
    assert conf.broker_transport_options["visibility_timeout"] == 900
    assert host_queue("web-1") == "deployq.host.web-1"


def test_tasks_have_explicit_names_and_are_included(app) -> None:  # type: ignore[no-untyped-def]
    ours = sorted(name for name in app.tasks if name.startswith("deployq."))
    assert ours, "no deployq task registered"
    assert all(re.fullmatch(r"deployq\.[a-z]+\.[a-z_]+", name) for name in ours), ours
    assert list(app.conf.include) == TASK_MODULES
    assert {"deployq.system.tick", "deployq.system.health"} <= set(ours)
    assert app.tasks["deployq.system.tick"].ignore_result is True
    assert app.tasks["deployq.system.health"].ignore_result is False


def test_beat_ticks_on_the_configured_interval(app) -> None:  # type: ignore[no-untyped-def]
    entry = app.conf.beat_schedule["deployq-tick"]
    assert entry["task"] == "deployq.system.tick"
    assert entry["schedule"] == 5.0


def test_needs_a_redis_url() -> None:
    with pytest.raises(ConfigurationError, match="no Redis URL"):
        create_celery(load_settings({}))


def test_host_names_are_checked() -> None:
    with pytest.raises(ConfigurationError.__mro__[1]):
        host_queue("bad host")
