"""deployq's records as frozen dataclasses: what the durable store returns and the core reasons on.

Field names follow CodeDeploy's (botocore's) shapes, in snake case. Nested settings that CodeDeploy
keeps as free-form structures (alarm and trigger configuration, load balancer info, blue/green
options) are carried as their JSON form (``dict``), exactly as the API face sends and receives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
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

JSON = dict[str, Any]


@dataclass(frozen=True)
class Tag:
    key: str
    value: str = ""


@dataclass(frozen=True)
class TagFilter:
    """An on-premises (or EC2) tag filter: matches an instance tag by key, value or both."""

    key: str = ""
    value: str = ""
    type: TagFilterType = TagFilterType.KEY_AND_VALUE

    def matches(self, tags: Mapping[str, str]) -> bool:
        if self.type is TagFilterType.KEY_ONLY:
            return self.key in tags
        if self.type is TagFilterType.VALUE_ONLY:
            return self.value in tags.values()
        return tags.get(self.key) == self.value


@dataclass(frozen=True)
class Application:
    id: str
    name: str
    compute_platform: ComputePlatform
    create_time: datetime


@dataclass(frozen=True)
class MinimumHealthyHosts:
    type: MinimumHealthyHostsType
    value: int


@dataclass(frozen=True)
class TrafficRouting:
    type: TrafficRoutingType
    percentage: int | None = None
    interval_minutes: int | None = None


@dataclass(frozen=True)
class DeploymentConfig:
    id: str
    name: str
    compute_platform: ComputePlatform
    minimum_healthy_hosts: MinimumHealthyHosts | None = None
    traffic_routing: TrafficRouting | None = None
    zonal_config: JSON | None = None
    predefined: bool = False
    create_time: datetime | None = None


@dataclass(frozen=True)
class DeploymentGroup:
    id: str
    application_name: str
    name: str
    deployment_config_name: str
    compute_platform: ComputePlatform
    service_role_arn: str | None = None
    #: OR of filters (``onPremisesInstanceTagFilters``).
    on_premises_tag_filters: tuple[TagFilter, ...] = ()
    #: AND of OR-groups (``onPremisesTagSet.onPremisesTagSetList``).
    on_premises_tag_set: tuple[tuple[TagFilter, ...], ...] = ()
    auto_rollback: JSON | None = None
    alarm_configuration: JSON | None = None
    health_check: JSON | None = None
    trigger_configurations: tuple[JSON, ...] = ()
    load_balancer_info: JSON | None = None
    deployment_style: JSON | None = None
    blue_green_configuration: JSON | None = None
    outdated_instances_strategy: str = "UPDATE"
    last_successful_deployment_id: str | None = None
    last_attempted_deployment_id: str | None = None
    create_time: datetime | None = None


@dataclass(frozen=True)
class Revision:
    id: str
    application_name: str
    revision_type: str
    location: JSON
    description: str | None = None
    register_time: datetime | None = None
    first_used_time: datetime | None = None
    last_used_time: datetime | None = None


@dataclass(frozen=True)
class OnPremisesInstance:
    name: str
    arn: str
    tags: Mapping[str, str] = field(default_factory=dict)
    iam_user_arn: str | None = None
    iam_session_arn: str | None = None
    register_time: datetime | None = None
    deregister_time: datetime | None = None
    status: RegistrationStatus = RegistrationStatus.REGISTERED


@dataclass(frozen=True)
class Deployment:
    id: str
    application_name: str
    deployment_group_name: str
    deployment_config_name: str
    status: DeploymentStatus
    creator: DeploymentCreator = DeploymentCreator.USER
    revision: JSON | None = None
    previous_revision: JSON | None = None
    error_code: ErrorCode | None = None
    error_message: str | None = None
    description: str | None = None
    file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW
    ignore_application_stop_failures: bool = False
    update_outdated_instances_only: bool = False
    auto_rollback: JSON | None = None
    rollback_info: JSON | None = None
    create_time: datetime | None = None
    start_time: datetime | None = None
    complete_time: datetime | None = None
    deployment_group_id: str | None = None
    revision_id: str | None = None
    target_hosts: tuple[str, ...] | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_DEPLOYMENT_STATUSES


ACTIVE_DEPLOYMENT_STATUSES = frozenset({
    DeploymentStatus.CREATED, DeploymentStatus.QUEUED, DeploymentStatus.IN_PROGRESS,
    DeploymentStatus.READY, DeploymentStatus.BAKING,
})


@dataclass(frozen=True)
class LifecycleEvent:
    name: str
    status: LifecycleEventStatus = LifecycleEventStatus.PENDING
    start_time: datetime | None = None
    end_time: datetime | None = None
    error_code: LifecycleErrorCode | None = None
    script_name: str | None = None
    message: str | None = None
    log: str | None = None

    @property
    def log_tail(self) -> str | None:
        """The last 4 KB of the log, what CodeDeploy's ``Diagnostics.logTail`` holds."""
        return None if self.log is None else self.log[-4096:]


@dataclass(frozen=True)
class DeploymentTarget:
    deployment_id: str
    target_id: str
    status: TargetStatus
    lifecycle_events: tuple[LifecycleEvent, ...] = ()
    instance_label: InstanceLabel | None = None
    last_updated_at: datetime | None = None
