"""In-place deployments across a fleet with real agents, a real coordinator and beat, real Redis."""

from __future__ import annotations

import subprocess
import time

import pytest

from deployq.domain.enums import DeploymentCreator, DeploymentStatus, ErrorCode, MinimumHealthyHostsType
from deployq.domain.model import MinimumHealthyHosts
from deployq.errors import InvalidInputError
from deployq.service.history import group_stats, host_revisions
from tests.conftest import wait_for
from tests.deployments.conftest import Fleet, journal_lines

FAIL_ON = 'if [ "$DEPLOYQ_HOST" = "{host}" ]; then echo "{host} is broken" >&2; exit 1; fi\n'
HOSTS4 = ["web-1", "web-2", "web-3", "web-4"]


@pytest.mark.parametrize(
    ("config", "batches"),
    [
        ("CodeDeployDefault.OneAtATime", [["web-1"], ["web-2"], ["web-3"], ["web-4"]]),
        ("CodeDeployDefault.HalfAtATime", [["web-1", "web-2"], ["web-3", "web-4"]]),
        ("CodeDeployDefault.AllAtOnce", [HOSTS4]),
        ("Custom3Healthy", [["web-1"], ["web-2"], ["web-3"], ["web-4"]]),
        ("Custom1Healthy", [["web-1", "web-2", "web-3"], ["web-4"]]),
    ],
)
def test_configs_batch_the_fleet(fleet: Fleet, config: str, batches: list[list[str]]) -> None:
    fleet.start(HOSTS4)
    for name, value in (("Custom3Healthy", 3), ("Custom1Healthy", 1)):
        fleet.store.configs.create(name, minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT,
                                                                                   value))
    fleet.group(config=config)
    d = fleet.wait(fleet.deploy(fleet.revision("v1")).id)
    assert d.status is DeploymentStatus.SUCCEEDED, d.error_message
    assert fleet.progress.batches(d.id) == batches
    assert set(fleet.statuses(d.id).values()) == {"Succeeded"}
    target = fleet.store.deployments.targets(d.id)[0]
    assert [e.name for e in target.lifecycle_events] == [
        "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
        "ValidateService"]
    assert [e.status.value for e in target.lifecycle_events] == ["Skipped"] + ["Succeeded"] * 6
    assert all(e.start_time and e.end_time for e in target.lifecycle_events)
    assert "ran ApplicationStart v1" in (target.lifecycle_events[5].log or "")


@pytest.mark.parametrize(
    ("failing", "status", "statuses"),
    [
        ("web-1", "Failed", {"web-1": "Failed", "web-2": "Skipped", "web-3": "Skipped"}),
        ("web-2", "Failed", {"web-1": "Succeeded", "web-2": "Failed", "web-3": "Skipped"}),
        ("web-3", "Succeeded", {"web-1": "Succeeded", "web-2": "Succeeded", "web-3": "Failed"}),
    ],
    ids=["first", "middle", "last"],
)
def test_a_failing_host(fleet: Fleet, failing: str, status: str, statuses: dict[str, str]) -> None:
    fleet.start(["web-1", "web-2", "web-3"])
    fleet.group()
    rev = fleet.revision("v1", scripts={"ValidateService": FAIL_ON.format(host=failing)})
    d = fleet.wait(fleet.deploy(rev).id)
    assert d.status.value == status
    assert fleet.statuses(d.id) == statuses
    if status == "Failed":
        assert d.error_code is ErrorCode.HEALTH_CONSTRAINTS
    failed = next(t for t in fleet.store.deployments.targets(d.id) if t.target_id == failing)
    validate = next(e for e in failed.lifecycle_events if e.name == "ValidateService")
    assert validate.status.value == "Failed"
    assert validate.error_code is not None and validate.error_code.value == "ScriptFailed"
    assert f"{failing} is broken" in (validate.log or "")


def test_minimum_healthy_hosts_broken_mid_way(fleet: Fleet) -> None:
    fleet.start(HOSTS4)
    fleet.group(config="CodeDeployDefault.HalfAtATime")
    script = FAIL_ON.format(host="web-1") + FAIL_ON.format(host="web-2")
    d = fleet.wait(fleet.deploy(fleet.revision("v1", scripts={"AfterInstall": script})).id)
    assert d.status is DeploymentStatus.FAILED
    assert d.error_code is ErrorCode.HEALTH_CONSTRAINTS
    assert fleet.statuses(d.id) == {"web-1": "Failed", "web-2": "Failed", "web-3": "Skipped", "web-4": "Skipped"}
    web1 = fleet.store.deployments.targets(d.id)[0]
    assert [e.status.value for e in web1.lifecycle_events][4:] == ["Failed", "Skipped", "Skipped"]


def test_health_constraints_invalid_and_no_instances(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2"])
    fleet.store.configs.create("AllHealthy", minimum_healthy_hosts=MinimumHealthyHosts(
        MinimumHealthyHostsType.HOST_COUNT, 2))
    fleet.group(config="AllHealthy")
    d = fleet.wait(fleet.deploy(fleet.revision("v1")).id)
    assert d.error_code is ErrorCode.HEALTH_CONSTRAINTS_INVALID
    assert journal_lines(fleet.journal) == []
    fleet.group(group="empty", tag=("role", "nothing"))
    empty = fleet.wait(fleet.deploy(fleet.revision("v2"), group="empty").id)
    assert empty.error_code is ErrorCode.NO_INSTANCES


def test_stop_mid_deployment(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2", "web-3"])
    fleet.group()
    marker = f"deployq-stop-{fleet.tmp_path.name}"
    rev = fleet.revision("v1", scripts={"ApplicationStart": f"exec -a {marker} sleep 60\n"})
    d = fleet.deploy(rev)
    wait_for(lambda: subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0,
             what="the long hook to start")
    asked = time.monotonic()
    assert fleet.service.stop(d.id)[0] == "Pending"
    wait_for(lambda: subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode != 0, timeout=5,
             what="the running hook to get SIGTERM")
    assert time.monotonic() - asked < 3
    stopped = fleet.wait(d.id, timeout=30)
    assert stopped.status is DeploymentStatus.STOPPED
    assert stopped.error_code is ErrorCode.MANUAL_STOP
    assert fleet.statuses(d.id) == {"web-1": "Failed", "web-2": "Skipped", "web-3": "Skipped"}
    with pytest.raises(InvalidInputError) as again:
        fleet.service.stop(d.id)
    assert again.value.aws_code == "DeploymentAlreadyCompletedException"


def test_automatic_rollback(fleet: Fleet) -> None:
    agent = fleet.start(["web-1", "web-2"]).agents[0]
    fleet.group(auto_rollback={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})
    good = fleet.wait(fleet.deploy(fleet.revision("v1")).id)
    assert good.status is DeploymentStatus.SUCCEEDED
    bad = fleet.wait(fleet.deploy(fleet.revision("v2", scripts={"ValidateService": "exit 3\n"})).id)
    assert bad.status is DeploymentStatus.FAILED
    rollback_id = wait_for(lambda: (fleet.store.deployments.get(bad.id).rollback_info or {}).get(
        "rollbackDeploymentId"), what="the rollback deployment")
    rollback = fleet.wait(rollback_id)
    assert rollback.status is DeploymentStatus.SUCCEEDED, rollback.error_message
    assert rollback.creator is DeploymentCreator.ROLLBACK
    assert rollback.revision == good.revision
    assert (rollback.rollback_info or {})["rollbackTriggeringDeploymentId"] == bad.id
    for host in ("web-1", "web-2"):
        assert agent.installed(host, "/srv/app/index.html").read_text() == "version v1\n"
    assert fleet.store.groups.get("web", "prod").last_successful_deployment_id == rollback.id


def test_deployment_limit_and_queue(fleet: Fleet) -> None:
    fleet.start(["web-1"])
    fleet.group()
    slow = fleet.revision("v1", scripts={"ApplicationStart": "sleep 2\n"})
    first = fleet.deploy(slow)
    with pytest.raises(InvalidInputError) as busy:
        fleet.deploy(fleet.revision("v2"))
    assert busy.value.aws_code == "DeploymentLimitExceededException"
    queued = fleet.deploy(fleet.revision("v3"), when_busy="queue")
    assert queued.status is DeploymentStatus.QUEUED
    assert fleet.wait(first.id).status is DeploymentStatus.SUCCEEDED
    assert fleet.wait(queued.id).status is DeploymentStatus.SUCCEEDED
    assert fleet.agents[0].installed("web-1", "/srv/app/index.html").read_text() == "version v3\n"


def test_two_applications_on_the_same_hosts(fleet: Fleet) -> None:
    agent = fleet.start(["web-1", "web-2"]).agents[0]
    fleet.group("shop", "prod")
    fleet.group("blog", "prod")
    shop = fleet.revision("shop1")
    blog_rev = fleet.revision("blog1")
    blog_dir = blog_rev["localLocation"]["path"]
    appspec = f"{blog_dir}/appspec.yml"
    with open(appspec) as f:
        text = f.read().replace("/srv/app", "/srv/blog")
    with open(appspec, "w") as f:
        f.write(text)
    a = fleet.deploy(shop, app="shop")
    b = fleet.deploy(blog_rev, app="blog")
    assert fleet.wait(a.id).status is DeploymentStatus.SUCCEEDED
    assert fleet.wait(b.id).status is DeploymentStatus.SUCCEEDED
    for host in ("web-1", "web-2"):
        assert agent.installed(host, "/srv/app/index.html").read_text() == "version shop1\n"
        assert agent.installed(host, "/srv/blog/index.html").read_text() == "version blog1\n"


def test_catch_up_of_a_new_host_and_history(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2"])
    fleet.group()
    v1 = fleet.wait(fleet.deploy(fleet.revision("v1")).id)
    assert v1.status is DeploymentStatus.SUCCEEDED
    new = fleet.add_agent(["web-3"], sub="new")
    catch_up = wait_for(lambda: next((d for d in fleet.store.deployments.list()
                                      if d.creator is DeploymentCreator.AUTOSCALING), None),
                        what="the catch-up deployment")
    assert fleet.wait(catch_up.id).status is DeploymentStatus.SUCCEEDED
    assert list(fleet.statuses(catch_up.id)) == ["web-3"]
    assert catch_up.revision == v1.revision
    assert new.installed("web-3", "/srv/app/index.html").read_text() == "version v1\n"
    revisions = host_revisions(fleet.store, "web", "prod")
    assert {h: r["revision"] == v1.revision for h, r in revisions.items()} == {
        "web-1": True, "web-2": True, "web-3": True}
    stats = group_stats(fleet.store, "web", "prod")
    assert (stats.deployments, stats.succeeded, stats.success_rate) == (2, 2, 1.0)
    assert stats.last_successful_deployment_id == catch_up.id
    timeline = fleet.store.deployments.targets(v1.id)[0].lifecycle_events
    assert [e.start_time for e in timeline[1:]] == sorted(e.start_time for e in timeline[1:])  # type: ignore[type-var]


def test_update_outdated_instances_only(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2"])
    fleet.group()
    rev = fleet.revision("v1")
    first = fleet.wait(fleet.deploy(rev, target_hosts=("web-1",)).id)
    assert first.status is DeploymentStatus.SUCCEEDED
    second = fleet.wait(fleet.deploy(rev, update_outdated_instances_only=True).id)
    assert second.status is DeploymentStatus.SUCCEEDED
    assert fleet.statuses(second.id) == {"web-1": "Skipped", "web-2": "Succeeded"}


def test_stop_letting_running_hooks_finish(fleet: Fleet) -> None:
    fleet.start(["web-1", "web-2"])
    fleet.group()
    rev = fleet.revision("v1", scripts={"ApplicationStart": f"sleep 2\necho finished >> {fleet.journal}\n"})
    d = fleet.deploy(rev)
    wait_for(lambda: fleet.progress.event_state(d.id, "web-1", "ApplicationStart").get("state") == "running",
             timeout=30, what="the hook to start")
    assert fleet.service.stop(d.id, mode="finish")[0] == "Pending"
    stopped = fleet.wait(d.id, timeout=30)
    assert stopped.status is DeploymentStatus.STOPPED
    start = fleet.progress.event_state(d.id, "web-1", "ApplicationStart")["outcome"]
    assert start["status"] == "Succeeded"  # it was allowed to finish
    assert "finished" in journal_lines(fleet.journal)
    validate = fleet.progress.event_state(d.id, "web-1", "ValidateService")["outcome"]
    assert validate["status"] == "Skipped"  # but nothing new started
    assert fleet.statuses(d.id) == {"web-1": "Failed", "web-2": "Skipped"}  # web-1 did not get all of v1
