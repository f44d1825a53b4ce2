"""The repositories of the durable store, each test on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deployq.domain.enums import (
    ComputePlatform,
    DeploymentCreator,
    DeploymentStatus,
    ErrorCode,
    LifecycleErrorCode,
    LifecycleEventStatus,
    MinimumHealthyHostsType,
    RegistrationStatus,
    TagFilterType,
    TargetStatus,
)
from deployq.domain.model import LifecycleEvent, MinimumHealthyHosts, TagFilter
from deployq.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deployq.store import Store

EVENTS = ["ApplicationStop", "DownloadBundle", "BeforeInstall", "Install"]
S3 = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "app.zip", "bundleType": "zip"}}


def make_group(store: Store, app: str = "web", group: str = "prod") -> None:
    store.applications.create(app)
    store.groups.create(app, group, tag_filters=[TagFilter("role", "web")])


def test_application_lifecycle(store: Store) -> None:
    app = store.applications.create("web", ComputePlatform.SERVER)
    assert app.name == "web"
    assert app.compute_platform is ComputePlatform.SERVER
    assert app.create_time.tzinfo is not None
    assert abs(app.create_time - datetime.now(UTC)) < timedelta(minutes=1)
    assert store.applications.get("web") == app
    with pytest.raises(AlreadyExistsError) as exc:
        store.applications.create("web")
    assert exc.value.aws_code == "ApplicationAlreadyExistsException"
    store.applications.rename("web", "web2")
    assert [a.name for a in store.applications.list()] == ["web2"]
    store.applications.delete("web2")
    store.applications.delete("web2")  # deleting twice is not an error, as in CodeDeploy
    with pytest.raises(NotFoundError) as missing:
        store.applications.get("web2")
    assert missing.value.aws_code == "ApplicationDoesNotExistException"


@pytest.mark.parametrize("name", ["", "has space", "x" * 101, "slash/name", "ünï"])
def test_invalid_application_names_are_refused(store: Store, name: str) -> None:
    with pytest.raises(InvalidInputError) as exc:
        store.applications.create(name)
    assert exc.value.aws_code == "InvalidApplicationNameException"
    assert store.applications.list() == []


def test_unknown_compute_platform(store: Store) -> None:
    with pytest.raises(InvalidInputError, match="Server, Lambda or ECS"):
        store.applications.create("fn", "Mainframe")


def test_deployment_group_with_tag_filters_and_sets(store: Store) -> None:
    store.applications.create("web")
    group = store.groups.create(
        "web", "prod",
        tag_set=[[TagFilter("role", "web"), TagFilter("role", "api")], [TagFilter("env", "", TagFilterType.KEY_ONLY)]],
        auto_rollback={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]},
        health_check={"url": "http://{host}:8080/health", "expected_status": 200},
    )
    assert group.deployment_config_name == "CodeDeployDefault.OneAtATime"
    assert group.on_premises_tag_set[0][1] == TagFilter("role", "api")
    assert group.on_premises_tag_set[1][0].type is TagFilterType.KEY_ONLY
    assert store.groups.get("web", "prod") == group
    with pytest.raises(AlreadyExistsError):
        store.groups.create("web", "prod")
    with pytest.raises(InvalidInputError) as both:
        store.groups.create("web", "other", tag_filters=[TagFilter("a", "b")], tag_set=[[TagFilter("c", "d")]])
    assert both.value.aws_code == "InvalidOnPremisesTagCombinationException"
    with pytest.raises(NotFoundError) as no_config:
        store.groups.create("web", "other", deployment_config_name="Nope")
    assert no_config.value.aws_code == "DeploymentConfigDoesNotExistException"
    updated = store.groups.update("web", "prod", new_name="production",
                                  deployment_config_name="CodeDeployDefault.HalfAtATime")
    assert updated.name == "production"
    assert updated.deployment_config_name == "CodeDeployDefault.HalfAtATime"
    assert updated.auto_rollback == {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
    assert [g.name for g in store.groups.list("web")] == ["production"]
    store.groups.delete("web", "production")
    with pytest.raises(NotFoundError) as gone:
        store.groups.get("web", "production")
    assert gone.value.aws_code == "DeploymentGroupDoesNotExistException"


def test_custom_deployment_configs(store: Store) -> None:
    config = store.configs.create("TwoHealthy",
                                  minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 2))
    assert not config.predefined
    assert store.configs.get("TwoHealthy").minimum_healthy_hosts == MinimumHealthyHosts(
        MinimumHealthyHostsType.HOST_COUNT, 2)
    with pytest.raises(InvalidInputError) as reserved:
        store.configs.create("CodeDeployDefault.Mine",
                             minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 1))
    assert reserved.value.aws_code == "InvalidDeploymentConfigNameException"
    with pytest.raises(InvalidInputError) as percent:
        store.configs.create("TooMany",
                             minimum_healthy_hosts=MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 100))
    assert percent.value.aws_code == "InvalidMinimumHealthyHostValueException"
    with pytest.raises(InvalidInputError) as predefined:
        store.configs.delete("CodeDeployDefault.AllAtOnce")
    assert predefined.value.aws_code == "InvalidOperationException"
    store.applications.create("web")
    store.groups.create("web", "prod", deployment_config_name="TwoHealthy")
    with pytest.raises(InvalidInputError) as in_use:
        store.configs.delete("TwoHealthy")
    assert in_use.value.aws_code == "DeploymentConfigInUseException"
    store.groups.delete("web", "prod")
    store.configs.delete("TwoHealthy")
    assert "TwoHealthy" not in {c.name for c in store.configs.list()}


def test_revisions_are_registered_once_per_location(store: Store) -> None:
    store.applications.create("web")
    first = store.revisions.register("web", S3, "v1")
    reordered = {"s3Location": {"key": "app.zip", "bundleType": "zip", "bucket": "b"}, "revisionType": "S3"}
    again = store.revisions.register("web", reordered, "v1 again")
    assert again.id == first.id
    assert again.description == "v1 again"
    assert len(store.revisions.list("web")) == 1
    store.revisions.mark_used(first.id)
    used = store.revisions.get("web", S3)
    assert used.first_used_time is not None and used.last_used_time is not None
    with pytest.raises(InvalidInputError) as long_description:
        store.revisions.register("web", S3, "x" * 257)
    assert long_description.value.aws_code == "DescriptionTooLongException"


def test_on_premises_instances_and_tags(store: Store) -> None:
    store.instances.register("web-1", tags={"role": "web", "env": "prod"})
    store.instances.register("web-2", tags={"role": "web"})
    store.instances.register("db-1", tags={"role": "db"})
    with pytest.raises(AlreadyExistsError) as twice:
        store.instances.register("web-1")
    assert twice.value.aws_code == "InstanceNameAlreadyRegisteredException"
    again = store.instances.register("web-1", tags={"zone": "a"}, exist_ok=True)
    assert again.tags == {"role": "web", "env": "prod", "zone": "a"}
    assert again.arn.endswith(":instance/web-1")
    with pytest.raises(InvalidInputError):
        store.instances.register("i-123456")
    web = store.instances.list(tag_filters=[TagFilter("role", "web")])
    assert [i.name for i in web] == ["web-1", "web-2"]
    store.instances.add_tags(["web-2"], {"env": "staging"})
    store.instances.remove_tags(["web-1"], {"env": "other"})  # value differs: kept
    store.instances.remove_tags(["web-1"], {"zone": ""})
    assert store.instances.get("web-1").tags == {"role": "web", "env": "prod"}
    assert store.instances.get("web-2").tags == {"role": "web", "env": "staging"}
    store.instances.deregister("db-1")
    assert store.instances.get("db-1").status is RegistrationStatus.DEREGISTERED
    registered = store.instances.list(status=RegistrationStatus.REGISTERED)
    assert [i.name for i in registered] == ["web-1", "web-2"]
    with pytest.raises(NotFoundError) as gone:
        store.instances.add_tags(["db-1"], {"a": "b"})
    assert gone.value.aws_code == "InstanceNotRegisteredException"


def test_deployment_status_is_compare_and_set(store: Store) -> None:
    make_group(store)
    deployment = store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.OneAtATime",
                                          revision=S3, description="first")
    assert deployment.id.startswith("d-") and len(deployment.id) == 11
    assert deployment.status is DeploymentStatus.CREATED
    assert store.deployments.transition(deployment.id, [DeploymentStatus.CREATED], DeploymentStatus.IN_PROGRESS)
    assert not store.deployments.transition(deployment.id, [DeploymentStatus.CREATED], DeploymentStatus.IN_PROGRESS)
    assert store.deployments.transition(deployment.id, [DeploymentStatus.IN_PROGRESS], DeploymentStatus.FAILED,
                                        error_code=ErrorCode.HEALTH_CONSTRAINTS, error_message="too few healthy")
    # a late success after the failure changes nothing
    assert not store.deployments.transition(deployment.id, [DeploymentStatus.IN_PROGRESS], DeploymentStatus.SUCCEEDED)
    got = store.deployments.get(deployment.id)
    assert got.status is DeploymentStatus.FAILED
    assert got.error_code is ErrorCode.HEALTH_CONSTRAINTS
    assert got.start_time is not None and got.complete_time is not None
    group = store.groups.get("web", "prod")
    assert group.last_attempted_deployment_id == deployment.id
    assert group.last_successful_deployment_id is None


def test_successful_deployment_is_the_groups_last_successful(store: Store) -> None:
    make_group(store)
    deployment = store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.AllAtOnce",
                                          revision=S3, creator=DeploymentCreator.ROLLBACK)
    store.deployments.transition(deployment.id, [DeploymentStatus.CREATED], DeploymentStatus.IN_PROGRESS)
    store.deployments.transition(deployment.id, [DeploymentStatus.IN_PROGRESS], DeploymentStatus.SUCCEEDED)
    assert store.groups.get("web", "prod").last_successful_deployment_id == deployment.id
    assert store.deployments.get(deployment.id).creator is DeploymentCreator.ROLLBACK


def test_listing_deployments_filters(store: Store) -> None:
    make_group(store)
    store.groups.create("web", "staging")
    a = store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.OneAtATime", revision=S3)
    b = store.deployments.create("web", "staging", deployment_config_name="CodeDeployDefault.OneAtATime", revision=S3)
    store.deployments.transition(b.id, [DeploymentStatus.CREATED], DeploymentStatus.IN_PROGRESS)
    assert {d.id for d in store.deployments.list()} == {a.id, b.id}
    assert [d.id for d in store.deployments.list(application="web", group="prod")] == [a.id]
    assert [d.id for d in store.deployments.list(statuses=[DeploymentStatus.IN_PROGRESS])] == [b.id]
    future = datetime.now(UTC) + timedelta(hours=1)
    assert store.deployments.list(created_after=future) == []
    with pytest.raises(NotFoundError):
        store.deployments.list(application="nope")


def test_targets_and_lifecycle_events_are_recorded_once(store: Store) -> None:
    make_group(store)
    d = store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.OneAtATime", revision=S3)
    store.deployments.add_targets(d.id, ["web-1", "web-2"], EVENTS)
    store.deployments.add_targets(d.id, ["web-1"], EVENTS)  # repeated: no duplicate target
    targets = store.deployments.targets(d.id)
    assert [t.target_id for t in targets] == ["web-1", "web-2"]
    assert [e.name for e in targets[0].lifecycle_events] == EVENTS
    assert all(e.status is LifecycleEventStatus.PENDING for e in targets[0].lifecycle_events)
    now = datetime.now(UTC)
    failed = LifecycleEvent("BeforeInstall", LifecycleEventStatus.FAILED, now, now,
                            LifecycleErrorCode.SCRIPT_FAILED, "scripts/install.sh",
                            "Script at specified location: scripts/install.sh failed with exit code 1",
                            "line\n" * 2000)
    assert store.deployments.record_event(d.id, "web-1", failed)
    late_success = LifecycleEvent("BeforeInstall", LifecycleEventStatus.SUCCEEDED, now, now)
    assert not store.deployments.record_event(d.id, "web-1", late_success)
    store.deployments.set_target_status(d.id, "web-1", TargetStatus.FAILED)
    web1 = store.deployments.targets(d.id)[0]
    event = next(e for e in web1.lifecycle_events if e.name == "BeforeInstall")
    assert web1.status is TargetStatus.FAILED
    assert event.status is LifecycleEventStatus.FAILED
    assert event.error_code is LifecycleErrorCode.SCRIPT_FAILED
    assert event.log is not None and len(event.log) == 10000  # the full log, not a 2 KB tail
    assert event.log_tail is not None and len(event.log_tail) == 4096
    with pytest.raises(NotFoundError):
        store.deployments.record_event(d.id, "nope", late_success)


def test_deleting_an_application_removes_its_history(store: Store) -> None:
    make_group(store)
    d = store.deployments.create("web", "prod", deployment_config_name="CodeDeployDefault.OneAtATime", revision=S3)
    store.deployments.add_targets(d.id, ["web-1"], EVENTS)
    store.applications.delete("web")
    with pytest.raises(NotFoundError):
        store.deployments.get(d.id)
