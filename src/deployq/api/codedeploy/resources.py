"""Operations on applications, deployment groups, configs, revisions, instances and tags."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from deployq.api.codedeploy import shapes
from deployq.api.codedeploy.context import Handler, OpContext, page, required
from deployq.domain.arns import application_arn, arn, deployment_group_arn
from deployq.domain.enums import ComputePlatform, MinimumHealthyHostsType, RegistrationStatus, TrafficRoutingType
from deployq.domain.model import MinimumHealthyHosts, TagFilter, TrafficRouting
from deployq.errors import InvalidInputError, NotFoundError
from deployq.orchestration.targets import filters_from_json
from deployq.service.deployments import check_revision

OPS: dict[str, Handler] = {}


def op(name: str) -> Callable[[Handler], Handler]:
    """Register a handler as the CodeDeploy operation ``name``."""

    def register(fn: Handler) -> Handler:
        OPS[name] = fn
        return fn
    return register


def _tags(items: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in items or []}


# --- applications ------------------------------------------------------------------------------

@op("CreateApplication")
def create_application(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_change(name)
    app = ctx.store.applications.create(name, p.get("computePlatform") or ComputePlatform.SERVER.value)
    if p.get("tags"):
        ctx.store.tags.tag(application_arn(name), _tags(p["tags"]))
    return {"applicationId": app.id}


@op("GetApplication")
def get_application(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_view(name)
    return {"application": shapes.application_info(ctx.store.applications.get(name))}


@op("ListApplications")
def list_applications(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    names = [a.name for a in ctx.store.applications.list() if ctx.credential.may_view(a.name)]
    items, token = page(names, p.get("nextToken"))
    return shapes.drop_none({"applications": items, "nextToken": token})


@op("BatchGetApplications")
def batch_get_applications(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    names = required(p, "applicationNames", "ApplicationNameRequiredException")
    if len(names) > 100:
        raise InvalidInputError("At most 100 application names.", aws_code="BatchLimitExceededException")
    infos = []
    for name in names:
        ctx.check_view(name)
        infos.append(shapes.application_info(ctx.store.applications.get(name)))
    return {"applicationsInfo": infos}


@op("UpdateApplication")
def update_application(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_change(name)
    new = p.get("newApplicationName")
    if new:
        ctx.check_change(new)
        ctx.store.applications.rename(name, new)
    return {}


@op("DeleteApplication")
def delete_application(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_change(name)
    ctx.store.applications.delete(name)
    return {}


# --- deployment groups -------------------------------------------------------------------------

GROUP_SETTINGS = {
    "autoRollbackConfiguration": "auto_rollback",
    "alarmConfiguration": "alarm_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "deploymentStyle": "deployment_style",
    "blueGreenDeploymentConfiguration": "blue_green_configuration",
}


def _group_settings(p: dict[str, Any]) -> dict[str, Any]:
    return {ours: p[theirs] for theirs, ours in GROUP_SETTINGS.items() if theirs in p}


def _tag_set(p: dict[str, Any]) -> list[tuple[TagFilter, ...]] | None:
    if "onPremisesTagSet" not in p:
        return None
    return [filters_from_json(group) for group in (p["onPremisesTagSet"] or {}).get("onPremisesTagSetList", [])]


def _group_json(ctx: OpContext, application: str, name: str) -> dict[str, Any]:
    group = ctx.store.groups.get(application, name)

    def load(deployment_id: str | None) -> Any:
        if not deployment_id:
            return None
        try:
            return ctx.store.deployments.get(deployment_id)
        except NotFoundError:
            return None
    return shapes.group_info(group, load(group.last_successful_deployment_id), load(group.last_attempted_deployment_id))


@op("CreateDeploymentGroup")
def create_deployment_group(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    name = required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
    ctx.check_change(app)
    tag_set = _tag_set(p)
    group = ctx.store.groups.create(
        app, name,
        deployment_config_name=p.get("deploymentConfigName"),
        tag_filters=filters_from_json(p.get("onPremisesInstanceTagFilters") or []),
        tag_set=tag_set or (),
        service_role_arn=p.get("serviceRoleArn"),
        trigger_configurations=p.get("triggerConfigurations") or [],
        outdated_instances_strategy=p.get("outdatedInstancesStrategy") or "UPDATE",
        **_group_settings(p),
    )
    if p.get("tags"):
        ctx.store.tags.tag(deployment_group_arn(app, name), _tags(p["tags"]))
    return {"deploymentGroupId": group.id}


@op("GetDeploymentGroup")
def get_deployment_group(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    name = required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
    ctx.check_view(app)
    return {"deploymentGroupInfo": _group_json(ctx, app, name)}


@op("ListDeploymentGroups")
def list_deployment_groups(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_view(app)
    items, token = page([g.name for g in ctx.store.groups.list(app)], p.get("nextToken"))
    return shapes.drop_none({"applicationName": app, "deploymentGroups": items, "nextToken": token})


@op("BatchGetDeploymentGroups")
def batch_get_deployment_groups(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    names = required(p, "deploymentGroupNames", "DeploymentGroupNameRequiredException")
    ctx.check_view(app)
    infos, missing = [], []
    for name in names:
        try:
            infos.append(_group_json(ctx, app, name))
        except NotFoundError:
            missing.append(name)
    result: dict[str, Any] = {"deploymentGroupsInfo": infos}
    if missing:
        result["errorMessage"] = f"Deployment groups not found: {', '.join(missing)}"
    return result


@op("UpdateDeploymentGroup")
def update_deployment_group(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    name = required(p, "currentDeploymentGroupName", "DeploymentGroupNameRequiredException")
    ctx.check_change(app)
    filters = p.get("onPremisesInstanceTagFilters")
    ctx.store.groups.update(
        app, name,
        new_name=p.get("newDeploymentGroupName"),
        deployment_config_name=p.get("deploymentConfigName"),
        tag_filters=None if filters is None else filters_from_json(filters),
        tag_set=_tag_set(p),
        **_group_settings(p),
    )
    return {"hooksNotCleanedUp": []}


@op("DeleteDeploymentGroup")
def delete_deployment_group(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    name = required(p, "deploymentGroupName", "DeploymentGroupNameRequiredException")
    ctx.check_change(app)
    ctx.store.groups.delete(app, name)
    return {"hooksNotCleanedUp": []}


# --- deployment configs ------------------------------------------------------------------------

@op("CreateDeploymentConfig")
def create_deployment_config(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "deploymentConfigName", "DeploymentConfigNameRequiredException")
    ctx.check_change(None)
    minimum = None
    if p.get("minimumHealthyHosts"):
        m = p["minimumHealthyHosts"]
        try:
            minimum = MinimumHealthyHosts(MinimumHealthyHostsType(m.get("type")), int(m.get("value", 0)))
        except ValueError:
            raise InvalidInputError(f"The minimum healthy hosts type {m.get('type')!r} is invalid.",
                                    aws_code="InvalidMinimumHealthyHostValueException") from None
    routing = None
    if p.get("trafficRoutingConfig"):
        t = p["trafficRoutingConfig"]
        body = t.get("timeBasedCanary") or t.get("timeBasedLinear") or {}
        try:
            routing = TrafficRouting(TrafficRoutingType(t.get("type")),
                                     body.get("canaryPercentage") or body.get("linearPercentage"),
                                     body.get("canaryInterval") or body.get("linearInterval"))
        except ValueError:
            raise InvalidInputError("The traffic routing configuration is invalid.",
                                    aws_code="InvalidTrafficRoutingConfigurationException") from None
    config = ctx.store.configs.create(name, compute_platform=ComputePlatform(p.get("computePlatform") or "Server"),
                                      minimum_healthy_hosts=minimum, traffic_routing=routing)
    return {"deploymentConfigId": config.id}


@op("GetDeploymentConfig")
def get_deployment_config(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "deploymentConfigName", "DeploymentConfigNameRequiredException")
    return {"deploymentConfigInfo": shapes.config_info(ctx.store.configs.get(name))}


@op("ListDeploymentConfigs")
def list_deployment_configs(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    items, token = page([c.name for c in ctx.store.configs.list()], p.get("nextToken"))
    return shapes.drop_none({"deploymentConfigsList": items, "nextToken": token})


@op("DeleteDeploymentConfig")
def delete_deployment_config(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "deploymentConfigName", "DeploymentConfigNameRequiredException")
    ctx.check_change(None)
    ctx.store.configs.delete(name)
    return {}


# --- revisions ---------------------------------------------------------------------------------

def _revision_groups(ctx: OpContext, app: str, location: dict[str, Any]) -> list[str]:
    return sorted({d.deployment_group_name for d in ctx.store.deployments.list(application=app)
                   if d.revision == location})


@op("RegisterApplicationRevision")
def register_application_revision(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    revision = required(p, "revision", "RevisionRequiredException")
    ctx.check_change(app)
    ctx.store.revisions.register(app, check_revision(revision), p.get("description"))
    return {}


@op("GetApplicationRevision")
def get_application_revision(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    revision = required(p, "revision", "RevisionRequiredException")
    ctx.check_view(app)
    found = ctx.store.revisions.get(app, revision)
    return {"applicationName": app, "revision": found.location,
            "revisionInfo": shapes.generic_revision_info(found, _revision_groups(ctx, app, found.location))}


@op("ListApplicationRevisions")
def list_application_revisions(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    ctx.check_view(app)
    revisions = ctx.store.revisions.list(app)
    bucket, prefix = p.get("s3Bucket"), p.get("s3KeyPrefix")
    if bucket:
        revisions = [r for r in revisions if (r.location.get("s3Location") or {}).get("bucket") == bucket
                     and str((r.location.get("s3Location") or {}).get("key", "")).startswith(prefix or "")]
    deployed = p.get("deployed", "ignore")
    if deployed != "ignore":
        used = {json_key(d.revision) for d in ctx.store.deployments.list(application=app)}
        revisions = [r for r in revisions if (json_key(r.location) in used) == (deployed == "include")]
    key = {"registerTime": "register_time", "firstUsedTime": "first_used_time",
           "lastUsedTime": "last_used_time"}.get(p.get("sortBy") or "", "register_time")
    revisions.sort(key=lambda r: (getattr(r, key) is not None, getattr(r, key) or r.register_time),
                   reverse=p.get("sortOrder") == "descending")
    items, token = page([r.location for r in revisions], p.get("nextToken"))
    return shapes.drop_none({"revisions": items, "nextToken": token})


def json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@op("BatchGetApplicationRevisions")
def batch_get_application_revisions(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    app = required(p, "applicationName", "ApplicationNameRequiredException")
    wanted = required(p, "revisions", "RevisionRequiredException")
    ctx.check_view(app)
    found, missing = [], 0
    for location in wanted:
        try:
            revision = ctx.store.revisions.get(app, location)
        except NotFoundError:
            missing += 1
            continue
        found.append({"revisionLocation": revision.location,
                      "genericRevisionInfo": shapes.generic_revision_info(
                          revision, _revision_groups(ctx, app, revision.location))})
    result: dict[str, Any] = {"applicationName": app, "revisions": found}
    if missing:
        result["errorMessage"] = f"{missing} revision(s) not found"
    return result


# --- on-premises instances and tags ------------------------------------------------------------

@op("RegisterOnPremisesInstance")
def register_on_premises_instance(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "instanceName", "InstanceNameRequiredException")
    ctx.check_change(None)
    ctx.store.instances.register(name, iam_user_arn=p.get("iamUserArn"), iam_session_arn=p.get("iamSessionArn"))
    return {}


@op("DeregisterOnPremisesInstance")
def deregister_on_premises_instance(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "instanceName", "InstanceNameRequiredException")
    ctx.check_change(None)
    ctx.store.instances.deregister(name)
    return {}


@op("GetOnPremisesInstance")
def get_on_premises_instance(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    name = required(p, "instanceName", "InstanceNameRequiredException")
    return {"instanceInfo": shapes.instance_info(ctx.store.instances.get(name))}


@op("ListOnPremisesInstances")
def list_on_premises_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    status = p.get("registrationStatus")
    instances = ctx.store.instances.list(status=RegistrationStatus(status) if status else None,
                                         tag_filters=filters_from_json(p.get("tagFilters") or []))
    items, token = page([i.name for i in instances], p.get("nextToken"))
    return shapes.drop_none({"instanceNames": items, "nextToken": token})


@op("BatchGetOnPremisesInstances")
def batch_get_on_premises_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    names = required(p, "instanceNames", "InstanceNameRequiredException")
    infos = []
    for name in names:
        try:
            infos.append(shapes.instance_info(ctx.store.instances.get(name)))
        except NotFoundError:
            continue
    return {"instanceInfos": infos}


@op("AddTagsToOnPremisesInstances")
def add_tags_to_on_premises_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    tags = required(p, "tags", "TagRequiredException")
    names = required(p, "instanceNames", "InstanceNameRequiredException")
    ctx.check_change(None)
    ctx.store.instances.add_tags(names, _tags(tags))
    return {}


@op("RemoveTagsFromOnPremisesInstances")
def remove_tags_from_on_premises_instances(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    tags = required(p, "tags", "TagRequiredException")
    names = required(p, "instanceNames", "InstanceNameRequiredException")
    ctx.check_change(None)
    ctx.store.instances.remove_tags(names, _tags(tags))
    return {}


def _arn_application(resource_arn: str) -> str | None:
    """The application an ARN belongs to (None for a deployment config)."""
    prefix = arn("")
    if not resource_arn.startswith(prefix):
        raise InvalidInputError(f"The ARN {resource_arn} is not a deployq resource ARN.",
                                aws_code="InvalidArnException")
    rest = resource_arn[len(prefix):]
    if rest.startswith("application:"):
        return rest.split(":", 1)[1]
    if rest.startswith("deploymentgroup:"):
        return rest.split(":", 1)[1].split("/", 1)[0]
    if rest.startswith("deploymentconfig:"):
        return None
    raise InvalidInputError(f"The ARN {resource_arn} names no application, deployment group or config.",
                            aws_code="InvalidArnException")


@op("TagResource")
def tag_resource(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    resource = required(p, "ResourceArn", "ResourceArnRequiredException")
    ctx.check_change(_arn_application(resource))
    ctx.store.tags.tag(resource, _tags(required(p, "Tags", "TagRequiredException")))
    return {}


@op("UntagResource")
def untag_resource(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    resource = required(p, "ResourceArn", "ResourceArnRequiredException")
    ctx.check_change(_arn_application(resource))
    ctx.store.tags.untag(resource, required(p, "TagKeys", "TagRequiredException"))
    return {}


@op("ListTagsForResource")
def list_tags_for_resource(ctx: OpContext, p: dict[str, Any]) -> dict[str, Any]:
    resource = required(p, "ResourceArn", "ResourceArnRequiredException")
    application = _arn_application(resource)
    if application:
        ctx.check_view(application)
    items, token = page([{"Key": k, "Value": v} for k, v in ctx.store.tags.tags(resource).items()],
                        p.get("NextToken"))
    return shapes.drop_none({"Tags": items, "NextToken": token})
