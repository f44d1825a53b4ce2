"""Real coordinator and beat processes on a real Redis: the round trip every later issue uses."""

from __future__ import annotations

import json
from pathlib import Path

import redis
from kombu import Connection

from deployq.config.settings import load_settings
from deployq.progress import ProgressStore
from deployq.workers.app import create_celery
from tests.conftest import Processes, deployq_env, wait_for


def test_coordinator_answers_and_beat_ticks(tmp_path: Path, redis_url: str, processes: Processes) -> None:
    env = deployq_env(tmp_path, redis_url)
    processes.start("coordinator", "coordinator", env=env)
    processes.start("beat", "beat", env=env)
    progress = ProgressStore.from_url(redis_url)
    wait_for(progress.last_beat, timeout=30, what="a beat tick")
    app = create_celery(load_settings(env))
    try:
        report = app.send_task("deployq.system.health").get(timeout=30)
    finally:
        app.close()
    assert report["schema"] == "0002"
    assert report["redis_ping"] is True
    assert report["beat_age"] is not None and report["beat_age"] < 30
    assert (tmp_path / "data" / "deployq.db").exists()  # the coordinator migrated its database


def test_a_pickled_message_is_refused(tmp_path: Path, redis_url: str, processes: Processes) -> None:
    """JSON only: a message in pickle is not run, whatever it says."""
    env = deployq_env(tmp_path, redis_url)
    processes.start("coordinator", "coordinator", env=env)
    progress = ProgressStore.from_url(redis_url)
    app = create_celery(load_settings(env))
    try:
        app.send_task("deployq.system.health").get(timeout=30)  # the worker is up
        with Connection(redis_url) as conn:
            producer = conn.Producer(serializer="pickle")
            producer.publish(
                {"task": "deployq.system.tick", "id": "evil", "args": [], "kwargs": {}},
                routing_key="deployq.coordinator",
                headers={"task": "deployq.system.tick", "id": "evil", "argsrepr": "()", "kwargsrepr": "{}"},
            )
        wait_for(lambda: "disallowed" in processes.log("coordinator") or "ContentDisallowed"
                 in processes.log("coordinator"), timeout=20, what="the refusal in the log")
        assert progress.last_beat() is None  # the tick never ran
        app.send_task("deployq.system.health").get(timeout=30)  # and the worker still serves
    finally:
        app.close()


def test_messages_on_the_wire_are_json(tmp_path: Path, redis_url: str) -> None:
    app = create_celery(load_settings(deployq_env(tmp_path, redis_url)))
    try:
        app.send_task("deployq.system.tick")
    finally:
        app.close()
    raw = redis.Redis.from_url(redis_url).lpop("deployq.coordinator")
    assert raw is not None
    message = json.loads(raw)
    assert message["content-type"] == "application/json"
    assert message["headers"]["task"] == "deployq.system.tick"
