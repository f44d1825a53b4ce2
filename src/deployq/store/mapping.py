"""Rows to domain records and back: the one place that knows both shapes."""

from __future__ import annotations

from typing import Any

from deployq.domain.enums import (
    ComputePlatform,
    DeploymentCreator,
    DeploymentStatus,
    ErrorCode,
    FileExistsBehavior,
    InstanceLabel,
    LifecycleErrorCode,
    LifecycleEventStatus,
    MinimumHealthyHostsType,
    RegistrationStatus,
    TagFilterType,
    TargetStatus,
    TrafficRoutingType,
)
from deployq.domain.model import (
    Application,
    Deployment,
    DeploymentConfig,
    DeploymentGroup,
    DeploymentTarget,
    LifecycleEvent,
    MinimumHealthyHosts,
    OnPremisesInstance,
    Revision,
    TagFilter,
    TrafficRouting,
)
from deployq.store.models import (
    ApplicationRow,
    DeploymentConfigRow,
    DeploymentGroupRow,
    DeploymentRow,
    DeploymentTargetRow,
    LifecycleEventRow,
    OnPremisesInstanceRow,
    RevisionRow,
)


def tag_filter_json(tag_filter: TagFilter) -> dict[str, str]:
    return {"Key": tag_filter.key, "Value": tag_filter.value, "Type": tag_filter.type.value}


def tag_filter_from_json(data: dict[str, Any]) -> TagFilter:
    return TagFilter(data.get("Key") or "", data.get("Value") or "",
                     TagFilterType(data.get("Type") or "KEY_AND_VALUE"))


def to_application(row: ApplicationRow) -> Application:
    return Application(row.id, row.name, ComputePlatform(row.compute_platform), row.create_time)


def config_row_values(config: DeploymentConfig) -> dict[str, Any]:
    routing = config.traffic_routing
    return {
        "id": config.id,
        "name": config.name,
        "compute_platform": config.compute_platform.value,
        "minimum_healthy_hosts_type": config.minimum_healthy_hosts.type.value
        if config.minimum_healthy_hosts else None,
        "minimum_healthy_hosts_value": config.minimum_healthy_hosts.value
        if config.minimum_healthy_hosts else None,
        "traffic_routing": None if routing is None else {
            "type": routing.type.value,
            "percentage": routing.percentage,
            "interval_minutes": routing.interval_minutes,
        },
        "zonal_config": config.zonal_config,
        "predefined": config.predefined,
    }


def to_config(row: DeploymentConfigRow) -> DeploymentConfig:
    minimum = None
    if row.minimum_healthy_hosts_type is not None:
        minimum = MinimumHealthyHosts(MinimumHealthyHostsType(row.minimum_healthy_hosts_type),
                                      row.minimum_healthy_hosts_value or 0)
    routing = None
    if row.traffic_routing:
        routing = TrafficRouting(TrafficRoutingType(row.traffic_routing["type"]),
                                 row.traffic_routing.get("percentage"),
                                 row.traffic_routing.get("interval_minutes"))
    return DeploymentConfig(row.id, row.name, ComputePlatform(row.compute_platform), minimum, routing,
                            row.zonal_config, row.predefined, row.create_time)


def to_group(row: DeploymentGroupRow) -> DeploymentGroup:
    return DeploymentGroup(
        id=row.id,
        application_name=row.application.name,
        name=row.name,
        deployment_config_name=row.deployment_config_name,
        compute_platform=ComputePlatform(row.application.compute_platform),
        service_role_arn=row.service_role_arn,
        on_premises_tag_filters=tuple(tag_filter_from_json(f) for f in row.on_premises_tag_filters),
        on_premises_tag_set=tuple(
            tuple(tag_filter_from_json(f) for f in group) for group in row.on_premises_tag_set
        ),
        auto_rollback=row.auto_rollback,
        alarm_configuration=row.alarm_configuration,
        health_check=row.health_check,
        trigger_configurations=tuple(row.trigger_configurations),
        load_balancer_info=row.load_balancer_info,
        deployment_style=row.deployment_style,
        blue_green_configuration=row.blue_green_configuration,
        outdated_instances_strategy=row.outdated_instances_strategy,
        last_successful_deployment_id=row.last_successful_deployment_id,
        last_attempted_deployment_id=row.last_attempted_deployment_id,
        create_time=row.create_time,
    )


def to_revision(row: RevisionRow) -> Revision:
    return Revision(row.id, row.application.name, row.revision_type, row.location, row.description,
                    row.register_time, row.first_used_time, row.last_used_time)


def to_instance(row: OnPremisesInstanceRow) -> OnPremisesInstance:
    return OnPremisesInstance(
        name=row.name,
        arn=row.arn,
        tags={tag.key: tag.value for tag in row.tags},
        iam_user_arn=row.iam_user_arn,
        iam_session_arn=row.iam_session_arn,
        register_time=row.register_time,
        deregister_time=row.deregister_time,
        status=RegistrationStatus(row.status),
    )


def to_deployment(row: DeploymentRow) -> Deployment:
    return Deployment(
        id=row.id,
        application_name=row.application.name,
        deployment_group_name=row.deployment_group_name,
        deployment_config_name=row.deployment_config_name,
        status=DeploymentStatus(row.status),
        creator=DeploymentCreator(row.creator),
        revision=row.revision,
        previous_revision=row.previous_revision,
        error_code=ErrorCode(row.error_code) if row.error_code else None,
        error_message=row.error_message,
        description=row.description,
        file_exists_behavior=FileExistsBehavior(row.file_exists_behavior),
        ignore_application_stop_failures=row.ignore_application_stop_failures,
        update_outdated_instances_only=row.update_outdated_instances_only,
        auto_rollback=row.auto_rollback,
        rollback_info=row.rollback_info,
        create_time=row.create_time,
        start_time=row.start_time,
        complete_time=row.complete_time,
        deployment_group_id=row.deployment_group_id,
        revision_id=row.revision_id,
        target_hosts=None if row.target_hosts is None else tuple(row.target_hosts),
    )


def to_event(row: LifecycleEventRow) -> LifecycleEvent:
    return LifecycleEvent(
        name=row.name,
        status=LifecycleEventStatus(row.status),
        start_time=row.start_time,
        end_time=row.end_time,
        error_code=LifecycleErrorCode(row.error_code) if row.error_code else None,
        script_name=row.script_name,
        message=row.message,
        log=row.log,
    )


def to_target(row: DeploymentTargetRow) -> DeploymentTarget:
    return DeploymentTarget(
        deployment_id=row.deployment_id,
        target_id=row.target_id,
        status=TargetStatus(row.status),
        lifecycle_events=tuple(to_event(event) for event in row.events),
        instance_label=InstanceLabel(row.instance_label) if row.instance_label else None,
        last_updated_at=row.last_updated_at,
    )
