"""Minimum healthy hosts (reference §9.2): how many hosts must stay healthy, and batch sizes.

* HOST_COUNT v: at least v healthy hosts.
* FLEET_PERCENT p: at least ceil(n · p / 100), rounded up at the start.
* MOST_CONCURRENCY 1 (CodeDeployDefault.OneAtATime): one host at a time, all but one healthy; a failure
  on the last host still succeeds; a one-host group must succeed.
* Whatever the minimum, at least one host must succeed (AllAtOnce: HOST_COUNT 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from deployq.domain.enums import MinimumHealthyHostsType
from deployq.domain.model import MinimumHealthyHosts


@dataclass(frozen=True)
class HealthRule:
    #: Hosts that must stay healthy.
    minimum: int
    #: Largest batch (None: as many as the minimum allows).
    max_batch: int | None = None

    def invalid(self, healthy: int) -> bool:
        """HEALTH_CONSTRAINTS_INVALID: the fleet cannot lose a single host (and has more than zero)."""
        return healthy > 0 and self.allowance(healthy) <= 0

    def allowance(self, healthy: int) -> int:
        """How many hosts may be taken down now."""
        room = healthy - self.minimum
        return room if self.max_batch is None else min(room, self.max_batch)

    def succeeded(self, succeeded: int) -> bool:
        return succeeded >= max(self.minimum, 1)


def health_rule(minimum: MinimumHealthyHosts, fleet: int) -> HealthRule:
    if minimum.type is MinimumHealthyHostsType.MOST_CONCURRENCY:
        return HealthRule(minimum=max(fleet - minimum.value, 0), max_batch=minimum.value)
    if minimum.type is MinimumHealthyHostsType.FLEET_PERCENT:
        return HealthRule(minimum=math.ceil(fleet * minimum.value / 100))
    return HealthRule(minimum=minimum.value)
