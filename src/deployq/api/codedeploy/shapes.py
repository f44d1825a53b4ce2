"""deployq's records in the shapes of botocore's CodeDeploy model (timestamps as epoch seconds)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from deployq.domain.arns import instance_arn
from deployq.domain.enums import TargetStatus
from deployq.domain.model import (
    Application,
    Deployment,
    DeploymentConfig,
    DeploymentGroup,
    DeploymentTarget,
    LifecycleEvent,
    OnPremisesInstance,
    Revision,
)

JSON = dict[str, Any]


def ts(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def drop_none(data: JSON) -> JSON:
    return {k: v for k, v in data.items() if v is not None}


def application_info(app: Application) -> JSON:
    return {
        "applicationId": app.id,
        "applicationName": app.name,
        "createTime": ts(app.create_time),
        "linkedToGitHub": False,
        "computePlatform": app.compute_platform.value,
    }


def config_info(config: DeploymentConfig) -> JSON:
    info: JSON = {
        "deploymentConfigId": config.id,
        "deploymentConfigName": config.name,
        "createTime": ts(config.create_time),
        "computePlatform": config.compute_platform.value,
    }
    if config.minimum_healthy_hosts:
        info["minimumHealthyHosts"] = {
            "type": config.minimum_healthy_hosts.type.value,
            "value": config.minimum_healthy_hosts.value,
        }
    if config.traffic_routing:
        routing = config.traffic_routing
        shift: JSON = {"type": routing.type.value}
        if routing.type.value == "TimeBasedCanary":
            shift["timeBasedCanary"] = {
                "canaryPercentage": routing.percentage,
                "canaryInterval": routing.interval_minutes,
            }
        elif routing.type.value == "TimeBasedLinear":
            shift["timeBasedLinear"] = {
                "linearPercentage": routing.percentage,
                "linearInterval": routing.interval_minutes,
            }
        info["trafficRoutingConfig"] = shift
    if config.zonal_config:
        info["zonalConfig"] = config.zonal_config
    return drop_none(info)


def _filter(f: Any) -> JSON:
    return {"Key": f.key, "Value": f.value, "Type": f.type.value}


def last_deployment(deployment: Deployment | None) -> JSON | None:
    if deployment is None:
        return None
    return drop_none(
        {
            "deploymentId": deployment.id,
            "status": deployment.status.value,
            "endTime": ts(deployment.complete_time),
            "createTime": ts(deployment.create_time),
        }
    )


def group_info(group: DeploymentGroup, last_ok: Deployment | None, last_try: Deployment | None) -> JSON:
    info: JSON = {
        "applicationName": group.application_name,
        "deploymentGroupId": group.id,
        "deploymentGroupName": group.name,
        "deploymentConfigName": group.deployment_config_name,
        "ec2TagFilters": [],
        "onPremisesInstanceTagFilters": [_filter(f) for f in group.on_premises_tag_filters],
        "autoScalingGroups": [],
        "serviceRoleArn": group.service_role_arn,
        "triggerConfigurations": list(group.trigger_configurations),
        "alarmConfiguration": group.alarm_configuration,
        "autoRollbackConfiguration": group.auto_rollback,
        "deploymentStyle": group.deployment_style
        or {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
        "outdatedInstancesStrategy": group.outdated_instances_strategy,
        "blueGreenDeploymentConfiguration": group.blue_green_configuration,
        "loadBalancerInfo": group.load_balancer_info,
        "lastSuccessfulDeployment": last_deployment(last_ok),
        "lastAttemptedDeployment": last_deployment(last_try),
        "computePlatform": group.compute_platform.value,
    }
    if group.on_premises_tag_set:
        info["onPremisesTagSet"] = {
            "onPremisesTagSetList": [[_filter(f) for f in g] for g in group.on_premises_tag_set]
        }
    return drop_none(info)


def generic_revision_info(revision: Revision, groups: list[str]) -> JSON:
    return drop_none(
        {
            "description": revision.description,
            "deploymentGroups": groups,
            "firstUsedTime": ts(revision.first_used_time),
            "lastUsedTime": ts(revision.last_used_time),
            "registerTime": ts(revision.register_time),
        }
    )


def overview(targets: list[DeploymentTarget]) -> JSON:
    counts = {status: 0 for status in ("Pending", "InProgress", "Succeeded", "Failed", "Skipped", "Ready")}
    for target in targets:
        key = target.status.value if target.status.value in counts else "Pending"
        counts[key] += 1
    return counts


def deployment_info(d: Deployment, targets: list[DeploymentTarget]) -> JSON:
    info: JSON = {
        "applicationName": d.application_name,
        "deploymentGroupName": d.deployment_group_name,
        "deploymentConfigName": d.deployment_config_name,
        "deploymentId": d.id,
        "previousRevision": d.previous_revision,
        "revision": d.revision,
        "status": d.status.value,
        "createTime": ts(d.create_time),
        "startTime": ts(d.start_time),
        "completeTime": ts(d.complete_time),
        "deploymentOverview": overview(targets),
        "description": d.description,
        "creator": d.creator.value,
        "ignoreApplicationStopFailures": d.ignore_application_stop_failures,
        "autoRollbackConfiguration": d.auto_rollback,
        "updateOutdatedInstancesOnly": d.update_outdated_instances_only,
        "rollbackInfo": d.rollback_info,
        "deploymentStyle": {"deploymentType": "IN_PLACE", "deploymentOption": "WITHOUT_TRAFFIC_CONTROL"},
        "fileExistsBehavior": d.file_exists_behavior.value,
        "deploymentStatusMessages": [],
        "computePlatform": "Server",
        "deploymentMode": "STANDARD",
    }
    if d.error_code is not None:
        info["errorInformation"] = {"code": d.error_code.value, "message": d.error_message or ""}
    return drop_none(info)


def lifecycle_event(e: LifecycleEvent) -> JSON:
    diagnostics = None
    if e.error_code is not None or e.message or e.log:
        diagnostics = drop_none(
            {
                "errorCode": e.error_code.value if e.error_code else "Success",
                "scriptName": e.script_name,
                "message": e.message,
                "logTail": e.log_tail,
            }
        )
    return drop_none(
        {
            "lifecycleEventName": e.name,
            "diagnostics": diagnostics,
            "startTime": ts(e.start_time),
            "endTime": ts(e.end_time),
            "status": e.status.value,
        }
    )


def instance_target(t: DeploymentTarget) -> JSON:
    return {
        "deploymentTargetType": "InstanceTarget",
        "instanceTarget": drop_none(
            {
                "deploymentId": t.deployment_id,
                "targetId": t.target_id,
                "targetArn": instance_arn(t.target_id),
                "status": t.status.value,
                "lastUpdatedAt": ts(t.last_updated_at),
                "lifecycleEvents": [lifecycle_event(e) for e in t.lifecycle_events],
                "instanceLabel": t.instance_label.value if t.instance_label else None,
            }
        ),
    }


def instance_summary(t: DeploymentTarget) -> JSON:
    status = t.status.value if t.status is not TargetStatus.READY else "Ready"
    return drop_none(
        {
            "deploymentId": t.deployment_id,
            "instanceId": instance_arn(t.target_id),
            "status": status,
            "lastUpdatedAt": ts(t.last_updated_at),
            "lifecycleEvents": [lifecycle_event(e) for e in t.lifecycle_events],
        }
    )


def instance_info(i: OnPremisesInstance) -> JSON:
    return drop_none(
        {
            "instanceName": i.name,
            "iamSessionArn": i.iam_session_arn,
            "iamUserArn": i.iam_user_arn,
            "instanceArn": i.arn,
            "registerTime": ts(i.register_time),
            "deregisterTime": ts(i.deregister_time),
            "tags": [{"Key": k, "Value": v} for k, v in sorted(i.tags.items())],
        }
    )

