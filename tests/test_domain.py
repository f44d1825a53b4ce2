"""The pure core: CodeDeploy's vocabulary matches botocore's model; no server needed."""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import botocore.session
import pytest

from deployq.domain import enums
from deployq.domain.configs import PREDEFINED_BY_NAME, PREDEFINED_CONFIGS
from deployq.domain.enums import MinimumHealthyHostsType, TagFilterType, TrafficRoutingType
from deployq.domain.model import TagFilter
from deployq.domain.names import check_name
from deployq.errors import DeployqError, InvalidInputError

SRC = Path(__file__).resolve().parent.parent / "src" / "deployq"
MODEL = botocore.session.get_session().get_service_model("codedeploy")

#: our enum → the shape of botocore's CodeDeploy model that it mirrors
SHAPES = {
    enums.ComputePlatform: "ComputePlatform",
    enums.DeploymentStatus: "DeploymentStatus",
    enums.TargetStatus: "TargetStatus",
    enums.LifecycleEventStatus: "LifecycleEventStatus",
    enums.LifecycleErrorCode: "LifecycleErrorCode",
    enums.ErrorCode: "ErrorCode",
    enums.DeploymentCreator: "DeploymentCreator",
    enums.TrafficRoutingType: "TrafficRoutingType",
    enums.DeploymentType: "DeploymentType",
    enums.DeploymentOption: "DeploymentOption",
    enums.DeploymentMode: "DeploymentMode",
    enums.FileExistsBehavior: "FileExistsBehavior",
    enums.TagFilterType: "TagFilterType",
    enums.RevisionLocationType: "RevisionLocationType",
    enums.BundleType: "BundleType",
    enums.InstanceLabel: "TargetLabel",
    enums.RegistrationStatus: "RegistrationStatus",
    enums.AutoRollbackEvent: "AutoRollbackEvent",
    enums.TargetType: "DeploymentTargetType",
}


@pytest.mark.parametrize("enum", list(SHAPES), ids=lambda e: e.__name__)
def test_enum_matches_botocore(enum: type[StrEnum]) -> None:
    assert [m.value for m in enum] == MODEL.shape_for(SHAPES[enum]).enum


def test_minimum_healthy_hosts_type_adds_only_most_concurrency() -> None:
    ours = [m.value for m in MinimumHealthyHostsType]
    assert ours == [*MODEL.shape_for("MinimumHealthyHostsType").enum, "MOST_CONCURRENCY"]


def test_predefined_configs_have_the_reference_values() -> None:
    server = {c.name: (c.minimum_healthy_hosts.type.value, c.minimum_healthy_hosts.value)
              for c in PREDEFINED_CONFIGS if c.minimum_healthy_hosts}
    assert server == {
        "CodeDeployDefault.OneAtATime": ("MOST_CONCURRENCY", 1),
        "CodeDeployDefault.HalfAtATime": ("FLEET_PERCENT", 50),
        "CodeDeployDefault.AllAtOnce": ("HOST_COUNT", 0),
    }
    assert PREDEFINED_BY_NAME["CodeDeployDefault.OneAtATime"].id == "00000000-0000-0000-0000-000000000001"
    lam = PREDEFINED_BY_NAME["CodeDeployDefault.LambdaCanary10Percent30Minutes"].traffic_routing
    assert lam is not None
    assert (lam.type, lam.percentage, lam.interval_minutes) == (TrafficRoutingType.TIME_BASED_CANARY, 10, 30)
    ecs = PREDEFINED_BY_NAME["CodeDeployDefault.ECSLinear10PercentEvery3Minutes"].traffic_routing
    assert ecs is not None
    assert (ecs.type, ecs.percentage, ecs.interval_minutes) == (TrafficRoutingType.TIME_BASED_LINEAR, 10, 3)
    assert {c.compute_platform.value for c in PREDEFINED_CONFIGS} == {"Server", "Lambda", "ECS"}
    assert len({c.id for c in PREDEFINED_CONFIGS}) == len(PREDEFINED_CONFIGS) == 17


@pytest.mark.parametrize(
    ("tag_filter", "tags", "expected"),
    [
        (TagFilter("role", "web"), {"role": "web"}, True),
        (TagFilter("role", "web"), {"role": "db"}, False),
        (TagFilter("role", "", TagFilterType.KEY_ONLY), {"role": "db"}, True),
        (TagFilter("role", "", TagFilterType.KEY_ONLY), {"env": "role"}, False),
        (TagFilter("", "web", TagFilterType.VALUE_ONLY), {"anything": "web"}, True),
        (TagFilter("", "web", TagFilterType.VALUE_ONLY), {"web": "x"}, False),
    ],
)
def test_tag_filters(tag_filter: TagFilter, tags: dict[str, str], expected: bool) -> None:
    assert tag_filter.matches(tags) is expected


def test_names_follow_codedeploy_rules() -> None:
    assert check_name("application", "a+b=c,d.e@f_g-h") == "a+b=c,d.e@f_g-h"
    with pytest.raises(InvalidInputError, match="1 to 100 characters"):
        check_name("application", "a b")
    assert issubclass(InvalidInputError, DeployqError)


PURE = ("domain", "appspec", "orchestration")
FORBIDDEN = ("celery", "kombu", "sqlalchemy", "alembic", "redis", "httpx", "requests", "fastapi", "starlette",
             "uvicorn", "boto3", "botocore", "urllib.request", "http", "deployq.store", "deployq.tasks",
             "deployq.workers", "deployq.api", "deployq.progress")


def test_pure_core_imports_no_infrastructure() -> None:
    offenders = []
    for package in PURE:
        for path in (SRC / package).rglob("*.py") if (SRC / package).exists() else []:
            for node in ast.walk(ast.parse(path.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                offenders += [f"{path.relative_to(SRC)}: {n}" for n in names
                              if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert (SRC / "domain").exists()
    assert offenders == []
