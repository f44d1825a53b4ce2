"""The Redis progress store against a real, throwaway Redis."""

from __future__ import annotations

import time

import pytest
import redis

from deployq.errors import ProgressStoreError
from deployq.progress import ProgressStore


@pytest.fixture
def progress(redis_url: str) -> ProgressStore:
    return ProgressStore.from_url(redis_url, prefix="t")


def test_status_is_compare_and_set(progress: ProgressStore) -> None:
    assert progress.deployment_status("d-1") is None
    assert progress.set_deployment_status("d-1", [""], "Created")
    assert not progress.set_deployment_status("d-1", [""], "Created")  # repeated: no-op
    assert progress.set_deployment_status("d-1", ["Created"], "InProgress")
    assert not progress.set_deployment_status("d-1", ["Created"], "Succeeded")  # from the wrong status
    assert progress.set_deployment_status("d-1", ["InProgress"], "Failed")
    assert not progress.set_deployment_status("d-1", ["InProgress"], "Failed")
    assert progress.deployment_status("d-1") == "Failed"
    assert progress.set_target_status("d-1", "web-1", [""], "Pending")
    assert progress.set_target_status("d-1", "web-1", ["Pending"], "InProgress")
    assert progress.target_status("d-1", "web-1") == "InProgress"


def test_event_runs_once_and_records_once(progress: ProgressStore) -> None:
    assert progress.event_state("d-1", "web-1", "Install") == {}
    assert progress.claim_event("d-1", "web-1", "Install", "run-a")
    assert not progress.claim_event("d-1", "web-1", "Install", "run-b")  # a redelivery must not run it
    assert not progress.finish_event("d-1", "web-1", "Install", "run-b", {"status": "Succeeded"})
    assert progress.finish_event("d-1", "web-1", "Install", "run-a", {"status": "Failed", "code": 1})
    assert not progress.finish_event("d-1", "web-1", "Install", "run-a", {"status": "Succeeded"})
    state = progress.event_state("d-1", "web-1", "Install")
    assert state["state"] == "finished"
    assert state["token"] == "run-a"
    assert state["outcome"] == {"status": "Failed", "code": 1}


def test_heartbeats(progress: ProgressStore) -> None:
    progress.heartbeat("web-1", ttl=30, info={"pid": 1})
    assert progress.is_alive("web-1", max_age=5)
    assert not progress.is_alive("web-2", max_age=5)
    assert not progress.is_alive("web-1", max_age=5, now=time.time() + 60)
    assert set(progress.heartbeats()) == {"web-1"}
    assert progress.redis.ttl(progress.keys.heartbeat("web-1")) > 0


def test_locks_belong_to_their_owner(progress: ProgressStore) -> None:
    assert progress.acquire("install:web-1", "d-1", ttl=10)
    assert progress.acquire("install:web-1", "d-1", ttl=10)  # re-entrant for its owner
    assert not progress.acquire("install:web-1", "d-2", ttl=10)
    assert not progress.release("install:web-1", "d-2")
    assert progress.lock_owner("install:web-1") == "d-1"
    assert progress.extend("install:web-1", "d-1", ttl=20)
    assert progress.release("install:web-1", "d-1")
    assert progress.acquire("install:web-1", "d-2", ttl=0.2)
    time.sleep(0.35)
    assert progress.acquire("install:web-1", "d-3", ttl=10)  # an expired lock is free


def test_stop_flag_first_request_wins(progress: ProgressStore) -> None:
    assert progress.stop_requested("d-1") is None
    assert progress.request_stop("d-1", "terminate")
    assert not progress.request_stop("d-1", "finish")
    assert progress.stop_requested("d-1") == "terminate"


def test_every_key_is_under_the_prefix(progress: ProgressStore) -> None:
    progress.set_deployment_status("d-1", [""], "Created")
    progress.claim_event("d-1", "h", "Install", "x")
    progress.heartbeat("h", 10)
    progress.acquire("l", "o", 10)
    progress.request_stop("d-1")
    progress.beat_tick()
    keys = progress.redis.keys("*")
    assert keys and all(k.startswith("t:") for k in keys)


def test_unreachable_redis_is_a_clear_error() -> None:
    from deployq.embedded import free_port

    store = ProgressStore(redis.Redis(port=free_port(), socket_connect_timeout=0.2), prefix="t")
    with pytest.raises(ProgressStoreError, match="Redis did not answer"):
        store.ping()
