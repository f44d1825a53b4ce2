"""Planning an in-place deployment: host order, batches, and the verdict after each batch (§9.2)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

from deployq.domain.enums import ErrorCode
from deployq.domain.model import MinimumHealthyHosts
from deployq.orchestration.health import HealthRule, health_rule

NO_INSTANCES_MESSAGE = (
    "The deployment failed because no instances were found for your deployment group. Check your deployment "
    "group settings to make sure the tags for your instances correctly identify the instances you want to "
    "deploy to, and then try again."
)
HEALTH_CONSTRAINTS_MESSAGE = (
    "The overall deployment failed because too many individual instances failed deployment, too few healthy "
    "instances are available for deployment, or some instances in your deployment group are experiencing "
    "problems."
)


class HostState(IntEnum):
    """Deployment order: unhealthy hosts first, then unknown revision, old revision, current revision."""

    UNHEALTHY = 0
    UNKNOWN = 1
    OLD = 2
    CURRENT = 3


@dataclass(frozen=True)
class Host:
    name: str
    state: HostState = HostState.UNKNOWN


@dataclass(frozen=True)
class Verdict:
    error_code: ErrorCode | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.error_code is None


@dataclass(frozen=True)
class Decision:
    """After a batch: deploy ``batch`` next, or end the deployment (``done``) with ``verdict``."""

    batch: tuple[str, ...] = ()
    done: bool = False
    verdict: Verdict = field(default_factory=Verdict)


@dataclass(frozen=True)
class Plan:
    order: tuple[str, ...]
    skipped: tuple[str, ...]
    rule: HealthRule
    unhealthy: frozenset[str]
    verdict: Verdict
    #: The batches if every host succeeds (what a dry run shows).
    batches: tuple[tuple[str, ...], ...]

    def next(self, succeeded: Collection[str], failed: Collection[str]) -> Decision:
        return next_decision(self.rule, self.order, self.unhealthy, succeeded, failed)


def order_hosts(hosts: Sequence[Host]) -> list[Host]:
    return sorted(hosts, key=lambda h: (h.state, h.name))


def next_decision(rule: HealthRule, order: Sequence[str], unhealthy: Collection[str],
                  succeeded: Collection[str], failed: Collection[str]) -> Decision:
    done = set(succeeded) | set(failed)
    remaining = [h for h in order if h not in done]
    if not remaining:
        if rule.succeeded(len(succeeded)):
            return Decision(done=True)
        return Decision(done=True, verdict=Verdict(ErrorCode.HEALTH_CONSTRAINTS, HEALTH_CONSTRAINTS_MESSAGE))
    healthy = len(succeeded) + sum(1 for h in remaining if h not in unhealthy)
    room = healthy - rule.minimum
    limit = rule.max_batch or len(remaining)
    batch: list[str] = []
    for host in remaining:
        if len(batch) >= limit:
            break
        if host not in unhealthy:
            if room <= 0:
                break
            room -= 1
        batch.append(host)
    if not batch:
        return Decision(done=True, verdict=Verdict(ErrorCode.HEALTH_CONSTRAINTS, HEALTH_CONSTRAINTS_MESSAGE))
    return Decision(batch=tuple(batch))


def plan_deployment(hosts: Sequence[Host], minimum: MinimumHealthyHosts, *,
                    update_outdated_only: bool = False) -> Plan:
    ordered = order_hosts(hosts)
    skipped = tuple(h.name for h in ordered if update_outdated_only and h.state is HostState.CURRENT)
    deploy = [h for h in ordered if h.name not in skipped]
    order = tuple(h.name for h in deploy)
    unhealthy = frozenset(h.name for h in deploy if h.state is HostState.UNHEALTHY)
    rule = health_rule(minimum, len(deploy))
    if not deploy:
        verdict = Verdict(ErrorCode.NO_INSTANCES, NO_INSTANCES_MESSAGE) if not skipped else Verdict()
        return Plan(order, skipped, rule, unhealthy, verdict, ())
    healthy = len(deploy) - len(unhealthy)
    if rule.invalid(healthy) and not unhealthy:
        verdict = Verdict(
            ErrorCode.HEALTH_CONSTRAINTS_INVALID,
            f"The deployment configuration requires at least {rule.minimum} healthy instances, but the "
            f"deployment group has {healthy}: no instance could be taken out of service. Lower the minimum "
            "healthy hosts of the deployment configuration or add instances.",
        )
        return Plan(order, skipped, rule, unhealthy, verdict, ())
    batches: list[tuple[str, ...]] = []
    done: list[str] = []
    while True:
        decision = next_decision(rule, order, unhealthy, done, ())
        if decision.done:
            break
        batches.append(decision.batch)
        done.extend(decision.batch)
    return Plan(order, skipped, rule, unhealthy, Verdict(), tuple(batches))
