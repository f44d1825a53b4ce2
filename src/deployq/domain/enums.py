"""CodeDeploy's enumerations, spelled as botocore's service model spells them.

A test compares every enum here with the model shipped in botocore, so a drift is caught.
"""

from __future__ import annotations

from enum import StrEnum


class ComputePlatform(StrEnum):
    SERVER = "Server"
    LAMBDA = "Lambda"
    ECS = "ECS"


class DeploymentStatus(StrEnum):
    CREATED = "Created"
    QUEUED = "Queued"
    IN_PROGRESS = "InProgress"
    BAKING = "Baking"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    STOPPED = "Stopped"
    READY = "Ready"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_DEPLOYMENT_STATUSES


TERMINAL_DEPLOYMENT_STATUSES = frozenset(
    {DeploymentStatus.SUCCEEDED, DeploymentStatus.FAILED, DeploymentStatus.STOPPED}
)


class TargetStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"
    READY = "Ready"


class LifecycleEventStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SKIPPED = "Skipped"
    UNKNOWN = "Unknown"


class LifecycleErrorCode(StrEnum):
    """``Diagnostics.errorCode`` of a lifecycle event."""

    SUCCESS = "Success"
    SCRIPT_MISSING = "ScriptMissing"
    SCRIPT_NOT_EXECUTABLE = "ScriptNotExecutable"
    SCRIPT_TIMED_OUT = "ScriptTimedOut"
    SCRIPT_FAILED = "ScriptFailed"
    UNKNOWN_ERROR = "UnknownError"


class ErrorCode(StrEnum):
    """``ErrorInformation.code`` of a deployment."""

    AGENT_ISSUE = "AGENT_ISSUE"
    ALARM_ACTIVE = "ALARM_ACTIVE"
    APPLICATION_MISSING = "APPLICATION_MISSING"
    AUTOSCALING_VALIDATION_ERROR = "AUTOSCALING_VALIDATION_ERROR"
    AUTO_SCALING_CONFIGURATION = "AUTO_SCALING_CONFIGURATION"
    AUTO_SCALING_IAM_ROLE_PERMISSIONS = "AUTO_SCALING_IAM_ROLE_PERMISSIONS"
    CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND = "CODEDEPLOY_RESOURCE_CANNOT_BE_FOUND"
    CUSTOMER_APPLICATION_UNHEALTHY = "CUSTOMER_APPLICATION_UNHEALTHY"
    DEPLOYMENT_GROUP_MISSING = "DEPLOYMENT_GROUP_MISSING"
    ECS_UPDATE_ERROR = "ECS_UPDATE_ERROR"
    ELASTIC_LOAD_BALANCING_INVALID = "ELASTIC_LOAD_BALANCING_INVALID"
    ELB_INVALID_INSTANCE = "ELB_INVALID_INSTANCE"
    HEALTH_CONSTRAINTS = "HEALTH_CONSTRAINTS"
    HEALTH_CONSTRAINTS_INVALID = "HEALTH_CONSTRAINTS_INVALID"
    HOOK_EXECUTION_FAILURE = "HOOK_EXECUTION_FAILURE"
    IAM_ROLE_MISSING = "IAM_ROLE_MISSING"
    IAM_ROLE_PERMISSIONS = "IAM_ROLE_PERMISSIONS"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    INVALID_ECS_SERVICE = "INVALID_ECS_SERVICE"
    INVALID_LAMBDA_CONFIGURATION = "INVALID_LAMBDA_CONFIGURATION"
    INVALID_LAMBDA_FUNCTION = "INVALID_LAMBDA_FUNCTION"
    INVALID_REVISION = "INVALID_REVISION"
    MANUAL_STOP = "MANUAL_STOP"
    MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION = "MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION"
    MISSING_ELB_INFORMATION = "MISSING_ELB_INFORMATION"
    MISSING_GITHUB_TOKEN = "MISSING_GITHUB_TOKEN"
    NO_EC2_SUBSCRIPTION = "NO_EC2_SUBSCRIPTION"
    NO_INSTANCES = "NO_INSTANCES"
    OVER_MAX_INSTANCES = "OVER_MAX_INSTANCES"
    RESOURCE_LIMIT_EXCEEDED = "RESOURCE_LIMIT_EXCEEDED"
    REVISION_MISSING = "REVISION_MISSING"
    THROTTLED = "THROTTLED"
    TIMEOUT = "TIMEOUT"
    CLOUDFORMATION_STACK_FAILURE = "CLOUDFORMATION_STACK_FAILURE"


class DeploymentCreator(StrEnum):
    USER = "user"
    AUTOSCALING = "autoscaling"
    ROLLBACK = "codeDeployRollback"
    CODEDEPLOY = "CodeDeploy"
    AUTO_UPDATE = "CodeDeployAutoUpdate"
    CLOUDFORMATION = "CloudFormation"
    CLOUDFORMATION_ROLLBACK = "CloudFormationRollback"
    AUTOSCALING_TERMINATION = "autoscalingTermination"


class MinimumHealthyHostsType(StrEnum):
    HOST_COUNT = "HOST_COUNT"
    FLEET_PERCENT = "FLEET_PERCENT"
    #: Only CodeDeployDefault.OneAtATime reports it; users cannot create it.
    MOST_CONCURRENCY = "MOST_CONCURRENCY"


class TrafficRoutingType(StrEnum):
    TIME_BASED_CANARY = "TimeBasedCanary"
    TIME_BASED_LINEAR = "TimeBasedLinear"
    ALL_AT_ONCE = "AllAtOnce"


class DeploymentType(StrEnum):
    IN_PLACE = "IN_PLACE"
    BLUE_GREEN = "BLUE_GREEN"


class DeploymentOption(StrEnum):
    WITH_TRAFFIC_CONTROL = "WITH_TRAFFIC_CONTROL"
    WITHOUT_TRAFFIC_CONTROL = "WITHOUT_TRAFFIC_CONTROL"


class DeploymentMode(StrEnum):
    STANDARD = "STANDARD"
    RESTART = "RESTART"


class FileExistsBehavior(StrEnum):
    DISALLOW = "DISALLOW"
    OVERWRITE = "OVERWRITE"
    RETAIN = "RETAIN"


class TagFilterType(StrEnum):
    KEY_ONLY = "KEY_ONLY"
    VALUE_ONLY = "VALUE_ONLY"
    KEY_AND_VALUE = "KEY_AND_VALUE"


class RevisionLocationType(StrEnum):
    S3 = "S3"
    GITHUB = "GitHub"
    STRING = "String"
    APPSPEC_CONTENT = "AppSpecContent"


class BundleType(StrEnum):
    TAR = "tar"
    TGZ = "tgz"
    ZIP = "zip"
    YAML = "YAML"
    JSON = "JSON"


class InstanceLabel(StrEnum):
    BLUE = "Blue"
    GREEN = "Green"


class RegistrationStatus(StrEnum):
    REGISTERED = "Registered"
    DEREGISTERED = "Deregistered"


class AutoRollbackEvent(StrEnum):
    DEPLOYMENT_FAILURE = "DEPLOYMENT_FAILURE"
    DEPLOYMENT_STOP_ON_ALARM = "DEPLOYMENT_STOP_ON_ALARM"
    DEPLOYMENT_STOP_ON_REQUEST = "DEPLOYMENT_STOP_ON_REQUEST"


class TargetType(StrEnum):
    INSTANCE = "InstanceTarget"
    LAMBDA = "LambdaTarget"
    ECS = "ECSTarget"
    CLOUDFORMATION = "CloudFormationTarget"


class LifecycleEventName(StrEnum):
    """Server-platform lifecycle events in the agent's order (§1.1), plus the service's own."""

    BEFORE_BLOCK_TRAFFIC = "BeforeBlockTraffic"
    BLOCK_TRAFFIC = "BlockTraffic"
    AFTER_BLOCK_TRAFFIC = "AfterBlockTraffic"
    APPLICATION_STOP = "ApplicationStop"
    DOWNLOAD_BUNDLE = "DownloadBundle"
    BEFORE_INSTALL = "BeforeInstall"
    INSTALL = "Install"
    AFTER_INSTALL = "AfterInstall"
    APPLICATION_START = "ApplicationStart"
    VALIDATE_SERVICE = "ValidateService"
    BEFORE_ALLOW_TRAFFIC = "BeforeAllowTraffic"
    ALLOW_TRAFFIC = "AllowTraffic"
    AFTER_ALLOW_TRAFFIC = "AfterAllowTraffic"


#: The events no script may be hooked to (§1.1).
SCRIPTLESS_EVENTS = frozenset(
    {
        LifecycleEventName.DOWNLOAD_BUNDLE,
        LifecycleEventName.INSTALL,
        LifecycleEventName.BLOCK_TRAFFIC,
        LifecycleEventName.ALLOW_TRAFFIC,
    }
)
