"""The predefined ``CodeDeployDefault.*`` deployment configurations (reference §9.1)."""

from __future__ import annotations

from deployq.domain.enums import ComputePlatform, MinimumHealthyHostsType, TrafficRoutingType
from deployq.domain.model import DeploymentConfig, MinimumHealthyHosts, TrafficRouting

PREFIX = "CodeDeployDefault."
DEFAULT_SERVER_CONFIG = "CodeDeployDefault.OneAtATime"


def _server(n: int, name: str, kind: MinimumHealthyHostsType, value: int) -> DeploymentConfig:
    return DeploymentConfig(
        id=f"00000000-0000-0000-0000-{n:012d}",
        name=PREFIX + name,
        compute_platform=ComputePlatform.SERVER,
        minimum_healthy_hosts=MinimumHealthyHosts(kind, value),
        predefined=True,
    )


def _shift(
    n: int, name: str, platform: ComputePlatform, kind: TrafficRoutingType,
    percentage: int | None = None, interval: int | None = None,
) -> DeploymentConfig:
    return DeploymentConfig(
        id=f"00000000-0000-0000-0000-{n:012d}",
        name=PREFIX + name,
        compute_platform=platform,
        traffic_routing=TrafficRouting(kind, percentage, interval),
        predefined=True,
    )


_L, _E = ComputePlatform.LAMBDA, ComputePlatform.ECS
_CANARY, _LINEAR, _ALL = (
    TrafficRoutingType.TIME_BASED_CANARY,
    TrafficRoutingType.TIME_BASED_LINEAR,
    TrafficRoutingType.ALL_AT_ONCE,
)

PREDEFINED_CONFIGS: tuple[DeploymentConfig, ...] = (
    _server(1, "OneAtATime", MinimumHealthyHostsType.MOST_CONCURRENCY, 1),
    _server(2, "HalfAtATime", MinimumHealthyHostsType.FLEET_PERCENT, 50),
    _server(3, "AllAtOnce", MinimumHealthyHostsType.HOST_COUNT, 0),
    _shift(4, "LambdaCanary10Percent5Minutes", _L, _CANARY, 10, 5),
    _shift(5, "LambdaCanary10Percent10Minutes", _L, _CANARY, 10, 10),
    _shift(6, "LambdaCanary10Percent15Minutes", _L, _CANARY, 10, 15),
    _shift(7, "LambdaCanary10Percent30Minutes", _L, _CANARY, 10, 30),
    _shift(8, "LambdaLinear10PercentEvery1Minute", _L, _LINEAR, 10, 1),
    _shift(9, "LambdaLinear10PercentEvery2Minutes", _L, _LINEAR, 10, 2),
    _shift(10, "LambdaLinear10PercentEvery3Minutes", _L, _LINEAR, 10, 3),
    _shift(11, "LambdaLinear10PercentEvery10Minutes", _L, _LINEAR, 10, 10),
    _shift(12, "LambdaAllAtOnce", _L, _ALL),
    _shift(13, "ECSLinear10PercentEvery1Minutes", _E, _LINEAR, 10, 1),
    _shift(14, "ECSLinear10PercentEvery3Minutes", _E, _LINEAR, 10, 3),
    _shift(15, "ECSCanary10Percent5Minutes", _E, _CANARY, 10, 5),
    _shift(16, "ECSCanary10Percent15Minutes", _E, _CANARY, 10, 15),
    _shift(17, "ECSAllAtOnce", _E, _ALL),
)

PREDEFINED_BY_NAME = {config.name: config for config in PREDEFINED_CONFIGS}


def is_predefined_name(name: str) -> bool:
    """Custom configs may not use the ``CodeDeployDefault.`` prefix."""
    return name.startswith(PREFIX)
