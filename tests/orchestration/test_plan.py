"""The pure planning core (§9.2): minimum healthy hosts, order, batches and verdicts. No server."""

from __future__ import annotations

import pytest

from deployq.domain.configs import PREDEFINED_BY_NAME
from deployq.domain.enums import ComputePlatform, ErrorCode, MinimumHealthyHostsType, RegistrationStatus, TagFilterType
from deployq.domain.model import DeploymentGroup, MinimumHealthyHosts, OnPremisesInstance, TagFilter
from deployq.orchestration.health import health_rule
from deployq.orchestration.plan import Host, HostState, next_decision, plan_deployment
from deployq.orchestration.targets import select_targets


def config(name: str) -> MinimumHealthyHosts:
    minimum = PREDEFINED_BY_NAME[f"CodeDeployDefault.{name}"].minimum_healthy_hosts
    assert minimum is not None
    return minimum


def hosts(n: int) -> list[Host]:
    return [Host(f"h{i}") for i in range(1, n + 1)]


def run(minimum: MinimumHealthyHosts, n: int, failing: set[str]) -> tuple[list[list[str]], ErrorCode | None]:
    """Drive a plan as the coordinator does: batch after batch until done."""
    plan = plan_deployment(hosts(n), minimum)
    if not plan.verdict.ok:
        return [], plan.verdict.error_code
    succeeded: list[str] = []
    failed: list[str] = []
    batches: list[list[str]] = []
    while True:
        decision = plan.next(succeeded, failed)
        if decision.done:
            return batches, decision.verdict.error_code
        batches.append(list(decision.batch))
        for h in decision.batch:
            (failed if h in failing else succeeded).append(h)


@pytest.mark.parametrize(
    ("name", "n", "failing", "batches", "error"),
    [
        ("OneAtATime", 3, set(), [["h1"], ["h2"], ["h3"]], None),
        ("OneAtATime", 3, {"h1"}, [["h1"]], ErrorCode.HEALTH_CONSTRAINTS),
        ("OneAtATime", 3, {"h2"}, [["h1"], ["h2"]], ErrorCode.HEALTH_CONSTRAINTS),
        ("OneAtATime", 3, {"h3"}, [["h1"], ["h2"], ["h3"]], None),  # the last may fail
        ("OneAtATime", 1, set(), [["h1"]], None),
        ("OneAtATime", 1, {"h1"}, [["h1"]], ErrorCode.HEALTH_CONSTRAINTS),  # a one-host group must succeed
        ("HalfAtATime", 9, set(), [["h1", "h2", "h3", "h4"], ["h5", "h6", "h7", "h8"], ["h9"]], None),
        ("HalfAtATime", 4, set(), [["h1", "h2"], ["h3", "h4"]], None),
        ("HalfAtATime", 4, {"h1", "h2"}, [["h1", "h2"]], ErrorCode.HEALTH_CONSTRAINTS),
        ("HalfAtATime", 4, {"h1"}, [["h1", "h2"], ["h3"], ["h4"]], None),
        ("AllAtOnce", 4, set(), [["h1", "h2", "h3", "h4"]], None),
        ("AllAtOnce", 4, {"h1", "h2", "h3"}, [["h1", "h2", "h3", "h4"]], None),  # one success is enough
        ("AllAtOnce", 2, {"h1", "h2"}, [["h1", "h2"]], ErrorCode.HEALTH_CONSTRAINTS),
    ],
)
def test_predefined_configs(name: str, n: int, failing: set[str], batches: list[list[str]],
                            error: ErrorCode | None) -> None:
    assert run(config(name), n, failing) == (batches, error)


def test_fleet_percent_rounds_up() -> None:
    assert health_rule(MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 50), 9).minimum == 5
    assert health_rule(MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 34), 3).minimum == 2


def test_custom_host_count() -> None:
    two = MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 2)
    assert run(two, 5, set()) == ([["h1", "h2", "h3"], ["h4", "h5"]], None)
    # a failure in the first batch leaves 4 healthy: two more may go down
    assert run(two, 5, {"h1"}) == ([["h1", "h2", "h3"], ["h4", "h5"]], None)
    assert run(two, 5, {"h1", "h2", "h3"}) == ([["h1", "h2", "h3"]], ErrorCode.HEALTH_CONSTRAINTS)


@pytest.mark.parametrize(("minimum", "n"), [
    (MinimumHealthyHosts(MinimumHealthyHostsType.FLEET_PERCENT, 95), 10),
    (MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 3), 3),
    (MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 5), 2),
])
def test_health_constraints_invalid_before_anything_starts(minimum: MinimumHealthyHosts, n: int) -> None:
    plan = plan_deployment(hosts(n), minimum)
    assert plan.verdict.error_code is ErrorCode.HEALTH_CONSTRAINTS_INVALID
    assert plan.batches == ()


def test_no_instances() -> None:
    plan = plan_deployment([], config("OneAtATime"))
    assert plan.verdict.error_code is ErrorCode.NO_INSTANCES
    assert "no instances were found" in plan.verdict.message


def test_host_order_unhealthy_unknown_old_current() -> None:
    plan = plan_deployment([Host("a", HostState.CURRENT), Host("b", HostState.OLD), Host("c", HostState.UNKNOWN),
                            Host("d", HostState.UNHEALTHY)], config("AllAtOnce"))
    assert plan.order == ("d", "c", "b", "a")


def test_update_outdated_only_skips_current_hosts() -> None:
    plan = plan_deployment([Host("a", HostState.CURRENT), Host("b", HostState.OLD)], config("OneAtATime"),
                           update_outdated_only=True)
    assert plan.skipped == ("a",)
    assert plan.batches == (("b",),)


def test_unhealthy_hosts_do_not_use_up_the_allowance() -> None:
    one = health_rule(MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 1), 3)
    assert next_decision(one, ["bad", "h1", "h2"], {"bad"}, [], []).batch == ("bad", "h1")
    two = health_rule(MinimumHealthyHosts(MinimumHealthyHostsType.HOST_COUNT, 2), 3)
    assert next_decision(two, ["bad", "h1", "h2"], {"bad"}, [], []).batch == ("bad",)


def test_tag_filters_or_and_tag_sets_and_of_ors() -> None:
    def instance(name: str, **tags: str) -> OnPremisesInstance:
        return OnPremisesInstance(name, f"arn:{name}", tags)

    fleet = [instance("a", role="web", env="prod"), instance("b", role="api", env="prod"),
             instance("c", role="web", env="dev"), instance("d", team="x")]
    fleet.append(OnPremisesInstance("e", "arn:e", {"role": "web"}, status=RegistrationStatus.DEREGISTERED))
    base = {"id": "g", "application_name": "app", "name": "g", "deployment_config_name": "x",
            "compute_platform": ComputePlatform.SERVER}
    either = DeploymentGroup(**base, on_premises_tag_filters=(TagFilter("role", "web"), TagFilter("role", "api")))
    assert [i.name for i in select_targets(either, fleet)] == ["a", "b", "c"]
    both = DeploymentGroup(**base, on_premises_tag_set=(
        (TagFilter("role", "web"), TagFilter("role", "api")), (TagFilter("env", "prod"),)))
    assert [i.name for i in select_targets(both, fleet)] == ["a", "b"]
    keys = DeploymentGroup(**base, on_premises_tag_filters=(TagFilter("team", "", TagFilterType.KEY_ONLY),))
    assert [i.name for i in select_targets(keys, fleet)] == ["d"]
    nothing = DeploymentGroup(**base)
    assert select_targets(nothing, fleet) == []
