"""Keeps the predefined ``CodeDeployDefault.*`` configurations in the store, idempotently."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from deployq.domain.configs import PREDEFINED_CONFIGS
from deployq.store.mapping import config_row_values
from deployq.store.models import DeploymentConfigRow


def seed_predefined_configs(session: Session) -> int:
    """Insert or refresh every predefined config; return how many rows changed."""
    existing = {row.name: row for row in session.scalars(select(DeploymentConfigRow))}
    changed = 0
    for config in PREDEFINED_CONFIGS:
        values = config_row_values(config)
        row = existing.get(config.name)
        if row is None:
            session.add(DeploymentConfigRow(**values))
            changed += 1
            continue
        for key, value in values.items():
            if key != "create_time" and getattr(row, key) != value:
                setattr(row, key, value)
                changed += 1
    return changed
