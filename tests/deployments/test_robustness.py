"""Dead agents, a killed coordinator, lost and repeated steps, timeouts, health checks, the dry run."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

from deployq.coordinator.engine import Engine
from deployq.coordinator.reaper import Reaper
from deployq.domain.enums import DeploymentStatus, ErrorCode
from deployq.service.plan import plan_dry_run
from tests.conftest import wait_for
from tests.deployments.conftest import Fleet, journal_lines


def test_a_dead_agent_fails_its_events_with_agent_issue(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-3"])
    fleet.add_agent(["web-2"], sub="second")
    fleet.group()
    rev = fleet.revision("v1", scripts={"ApplicationStart": 'if [ "$DEPLOYQ_HOST" = web-2 ]; then sleep 60; fi\n'})
    d = fleet.deploy(rev)
    wait_for(lambda: fleet.progress.event_state(d.id, "web-2", "ApplicationStart").get("state") == "running",
             timeout=30, what="web-2's long hook")
    killed = time.monotonic()
    fleet.agents[1].kill()
    done = fleet.wait(d.id, timeout=30)
    assert time.monotonic() - killed < 15, "no deployment waits for a dead agent beyond the limit (3 s here)"
    assert done.status is DeploymentStatus.FAILED
    assert done.error_code is ErrorCode.AGENT_ISSUE
    assert fleet.statuses(d.id) == {"web-1": "Succeeded", "web-2": "Failed", "web-3": "Skipped"}
    web2 = next(t for t in fleet.store.deployments.targets(d.id) if t.target_id == "web-2")
    start = next(e for e in web2.lifecycle_events if e.name == "ApplicationStart")
    assert start.message is not None and start.message.startswith("AGENT_ISSUE")


def test_coordinator_killed_mid_deployment(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2", "web-3"])
    fleet.group()
    rev = fleet.revision("v1", scripts={"ApplicationStart": "sleep 1\n"})
    d = fleet.deploy(rev)
    wait_for(lambda: len(fleet.progress.batches(d.id)) >= 2, timeout=30, what="the second batch")
    coordinator = next(proc for name, proc in fleet.processes.started if name == "coordinator")
    os.kill(coordinator.pid, signal.SIGKILL)  # type: ignore[attr-defined]
    coordinator.wait(timeout=10)  # type: ignore[attr-defined]
    time.sleep(2)  # the agents go on; the host_done of batch 2 waits in the queue or was lost
    fleet.processes.start("coordinator", "coordinator", env=fleet.env)
    done = fleet.wait(d.id, timeout=60)
    assert done.status is DeploymentStatus.SUCCEEDED, done.error_message
    assert fleet.statuses(d.id) == {"web-1": "Succeeded", "web-2": "Succeeded", "web-3": "Succeeded"}
    counts = Counter(" ".join(line.split()[:2]) + " " + line.split()[-1] for line in journal_lines(fleet.journal))
    assert set(counts.values()) == {1}, counts  # no event ran twice
    assert len(counts) == 9  # 3 hosts × 3 journaling hooks (ApplicationStart only sleeps)


def test_repeated_and_lost_steps_change_nothing(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2"], coordinator=False)  # the test itself plays the coordinator
    fleet.group()
    engine = Engine(fleet.app, fleet.store, fleet.progress)
    d = fleet.store.deployments.create(
        "web", "prod", deployment_config_name="CodeDeployDefault.AllAtOnce", revision=fleet.revision("v1"))
    fleet.progress.open_deployment(d.id, {"created_at": repr(time.time())})
    engine.start(d.id)
    engine.start(d.id)  # a redelivered start: nothing more is dispatched
    assert fleet.progress.batches(d.id) == [["web-1", "web-2"]]
    # no coordinator consumes host_done: the reaper finds the finished hosts and gates the batch
    reaper = Reaper(engine, agent_timeout=30, deployment_timeout=3600)
    wait_for(lambda: all(fleet.progress.event_state(d.id, h, "ValidateService").get("state") == "finished"
                         for h in ("web-1", "web-2")), timeout=30, what="both hosts to finish")
    assert reaper.reap() == [f"{d.id}: web-1 completed", f"{d.id}: web-2 completed"]
    assert fleet.store.deployments.get(d.id).status is DeploymentStatus.SUCCEEDED
    engine.host_done(d.id, 1, "web-1")  # the lost message arrives late
    engine.advance(d.id, 1)
    assert reaper.reap() == []
    assert fleet.store.deployments.get(d.id).status is DeploymentStatus.SUCCEEDED
    assert len(journal_lines(fleet.journal)) == 8


def test_timeout_and_lost_start(fleet: Fleet) -> None:
    fleet.start([], coordinator=False)
    fleet.group()
    engine = Engine(fleet.app, fleet.store, fleet.progress)
    reaper = Reaper(engine, agent_timeout=30, deployment_timeout=60)
    lost = fleet.store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.OneAtATime",
                                          revision=fleet.revision("v1"))
    fleet.progress.open_deployment(lost.id, {"created_at": repr(time.time() - 120)})
    assert reaper.reap() == [f"{lost.id}: start sent again"]
    fleet.store.deployments.transition(lost.id, [DeploymentStatus.CREATED], DeploymentStatus.IN_PROGRESS)
    fleet.progress.open_deployment(lost.id, {"batch": "1", "batch_hosts": "[]", "events": "[]"})
    assert reaper.reap(now=time.time() + 3600) == [f"{lost.id}: timed out"]
    timed_out = fleet.store.deployments.get(lost.id)
    assert timed_out.status is DeploymentStatus.FAILED
    assert timed_out.error_code is ErrorCode.TIMEOUT


class Health(BaseHTTPRequestHandler):
    bad: ClassVar[set[str]] = set()

    def do_GET(self) -> None:
        host = self.path.strip("/")
        self.send_response(503 if host in self.bad else 200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_http_health_check_gates_the_next_batch(fleet: Fleet) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    Health.bad = {"web-1"}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fleet.start(["web-1", "web-2"])
        fleet.group(health_check={"url": f"http://127.0.0.1:{server.server_port}/{{name}}", "expected_status": 200,
                                  "retries": 2, "interval": 0.1})
        d = fleet.wait(fleet.deploy(fleet.revision("v1")).id)
    finally:
        server.shutdown()
    assert d.status is DeploymentStatus.FAILED
    assert fleet.statuses(d.id) == {"web-1": "Failed", "web-2": "Skipped"}
    check = next(e for e in fleet.store.deployments.targets(d.id)[0].lifecycle_events if e.name == "HealthCheck")
    assert check.message is not None and "answered 503, expected 200" in check.message


def test_dry_run_deploys_nothing(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2", "web-3"], coordinator=False)
    fleet.group(config="CodeDeployDefault.HalfAtATime")
    plan = plan_dry_run(fleet.store, "web", "prod", fleet.revision("v1"))
    assert plan["verdict"]["ok"] is True
    assert plan["minimumHealthyHosts"] == 2
    assert plan["batches"] == [["web-1"], ["web-2"], ["web-3"]]
    events = {e["event"]: e for e in plan["events"]}
    assert events["ApplicationStart"]["scripts"][0]["location"] == "scripts/ApplicationStart.sh"
    assert events["ApplicationStop"]["revision"] == "none: skipped on every host"
    assert [h["state"] for h in plan["hosts"]] == ["unknown"] * 3
    assert fleet.store.deployments.list() == []
    assert journal_lines(fleet.journal) == []
    missing = plan_dry_run(fleet.store, "web", "prod",
                           {"revisionType": "Local", "localLocation": {"path": "/nope", "bundleType": "directory"}})
    assert missing["verdict"]["ok"] is False
    assert missing["verdict"]["errorCode"] == "REVISION_MISSING"
