"""Operations on deployments and their targets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from deployq.api.codedeploy import shapes
from deployq.api.codedeploy.context import OpContext, page, required
from deployq.api.codedeploy.resources import op
from deployq.domain.arns import instance_arn
from deployq.domain.enums import DeploymentStatus
from deployq.errors import InvalidInputError, NotFoundError
from deployq.service.deployments import DeploymentRequest


def _info(ctx: OpContext, deployment_id: str) -> dict[str, Any]:
    deployment = ctx.store.deployments.get(deployment_id)
    ctx.check_view(deployment.application_name)
    return shapes.deployment_info(deployment, ctx.store.deployments.targets(deployment_id))


@op("CreateDeployment")
def create_deployment(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    group = required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
    ctx.check_change(app)
    if p.get("targetInstances"):
        raise InvalidInputError("targetInstances is for blue/green deployments, which deployq does not run yet.",
                                aws_code="InvalidTargetInstancesException")
    deployment = ctx.service.create(DeploymentRequest(
        application=app, group=group, revision=p.get("revision"),
        deployment_config_name=p.get("deploymentConfigName"),
        description=p.get("description"),
        file_exists_behavior=p.get("fileExistsBehavior"),
        ignore_application_stop_failures=bool(p.get("ignoreApplicationStopFailures")),
        update_outdated_instances_only=bool(p.get("updateOutdatedInstancesOnly")),
        auto_rollback=p.get("autoRollbackConfiguration"),
    ))
    return {"deploymentId": deployment.id}


@op("GetDeployment")
def get_deployment(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"deploymentInfo": _info(ctx, required(p, "deploymentId", "DeploymentIdRequiredException"))}


@op("BatchGetDeployments")
def batch_get_deployments(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    ids = required(p, "deploymentIds", "DeploymentIdRequiredException")
    if len(ids) > 25:
        raise InvalidInputError("At most 25 deployment ids.", aws_code="BatchLimitExceededException")
    infos = []
    for deployment_id in ids:
        try:
            infos.append(_info(ctx, deployment_id))
        except NotFoundError:
            continue
    return {"deploymentsInfo": infos}


@op("ListDeployments")
def list_deployments(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app, group = p.get("applicationName"), p.get("deploymentGroupName")
    if group and not app:
        raise InvalidInputError("deploymentGroupName needs applicationName.",
                                aws_code="ApplicationNameRequiredException")
    if app:
        ctx.check_view(app)
    span = p.get("createTimeRange") or {}

    def when(key: str) -> datetime | None:
        value = span.get(key)
        return None if value is None else datetime.fromtimestamp(float(value), UTC)
    try:
        statuses = [DeploymentStatus(s) for s in p.get("includeOnlyStatuses") or []]
    except ValueError:
        raise InvalidInputError("includeOnlyStatuses holds an unknown status.",
                                aws_code="InvalidDeploymentStatusException") from None
    deployments = ctx.store.deployments.list(application=app, group=group, statuses=statuses,
                                             created_after=when("start"), created_before=when("end"))
    ids = [d.id for d in deployments if ctx.credential.may_view(d.application_name)]
    items, token = page(ids, p.get("nextToken"))
    return shapes.drop_none({"deployments": items, "nextToken": token})


@op("StopDeployment")
def stop_deployment(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    ctx.application_of_deployment(deployment_id, change=True)
    auto = p.get("autoRollbackEnabled")
    status, message = ctx.service.stop(deployment_id, auto_rollback=None if auto is None else bool(auto))
    return {"status": status, "statusMessage": message}


@op("ContinueDeployment")
def continue_deployment(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    ctx.application_of_deployment(deployment_id, change=True)
    raise InvalidInputError("The deployment is not in a Ready state: only blue/green deployments wait for "
                            "ContinueDeployment.", aws_code="DeploymentIsNotInReadyStateException")


@op("PutLifecycleEventHookExecutionStatus")
def put_lifecycle_event_hook_execution_status(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    ctx.application_of_deployment(deployment_id, change=True)
    raise InvalidInputError("Lifecycle hook execution statuses are reported by Lambda and ECS validation hooks; "
                            f"{deployment_id} is a Server deployment.",
                            aws_code="UnsupportedActionForDeploymentTypeException")


def _targets(ctx: OpContext, deployment_id: str) -> list[Any]:
    ctx.application_of_deployment(deployment_id)
    return ctx.store.deployments.targets(deployment_id)


def _target(ctx: OpContext, deployment_id: str, target_id: str) -> Any:
    name = target_id.rsplit("/", 1)[-1]  # an instance ARN or its name
    for target in _targets(ctx, deployment_id):
        if target.target_id == name:
            return target
    raise NotFoundError(f"The target {target_id} is not part of deployment {deployment_id}.",
                        aws_code="DeploymentTargetDoesNotExistException")


@op("ListDeploymentTargets")
def list_deployment_targets(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    targets = _targets(ctx, deployment_id)
    wanted = (p.get("targetFilters") or {}).get("TargetStatus")
    if wanted:
        targets = [t for t in targets if t.status.value in wanted]
    items, token = page([t.target_id for t in targets], p.get("nextToken"))
    return shapes.drop_none({"targetIds": items, "nextToken": token})


@op("GetDeploymentTarget")
def get_deployment_target(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    target_id = required(p, "targetId", "DeploymentTargetIdRequiredException")
    return {"deploymentTarget": shapes.instance_target(_target(ctx, deployment_id, target_id))}


@op("BatchGetDeploymentTargets")
def batch_get_deployment_targets(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    ids = required(p, "targetIds", "DeploymentTargetIdRequiredException")
    if len(ids) > 25:
        raise InvalidInputError("At most 25 target ids.", aws_code="DeploymentTargetListSizeExceededException")
    return {"deploymentTargets": [shapes.instance_target(_target(ctx, deployment_id, t)) for t in ids]}


@op("ListDeploymentInstances")
def list_deployment_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    targets = _targets(ctx, deployment_id)
    wanted = p.get("instanceStatusFilter")
    if wanted:
        targets = [t for t in targets if t.status.value in wanted]
    items, token = page([instance_arn(t.target_id) for t in targets], p.get("nextToken"))
    return shapes.drop_none({"instancesList": items, "nextToken": token})


@op("GetDeploymentInstance")
def get_deployment_instance(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    instance_id = required(p, "instanceId", "InstanceIdRequiredException")
    return {"instanceSummary": shapes.instance_summary(_target(ctx, deployment_id, instance_id))}


@op("BatchGetDeploymentInstances")
def batch_get_deployment_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    deployment_id = required(p, "deploymentId", "DeploymentIdRequiredException")
    ids = required(p, "instanceIds", "InstanceIdRequiredException")
    found, missing = [], []
    for instance_id in ids:
        try:
            found.append(shapes.instance_summary(_target(ctx, deployment_id, instance_id)))
        except NotFoundError:
            missing.append(instance_id)
    result: dict[str, Any] = {"instancesSummary": found}
    if missing:
        result["errorMessage"] = f"Instances not in the deployment: {', '.join(missing)}"
    return result
