"""Migrations create exactly the models' schema, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from deployq.domain.configs import PREDEFINED_CONFIGS
from deployq.store import Store
from deployq.store.models import Base


def test_migrations_match_the_models(store: Store) -> None:
    with store.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrate_is_at_head_and_idempotent(store: Store) -> None:
    head = store.db.head_revision()
    assert head is not None
    assert store.db.current_revision() == head
    assert store.migrate() == head
    names = sa.inspect(store.db.engine).get_table_names()
    for table in ("applications", "deployment_groups", "deployment_configs", "revisions", "deployments",
                  "deployment_targets", "lifecycle_events", "on_premises_instances", "instance_tags"):
        assert table in names


def test_predefined_configs_are_seeded_once(store: Store) -> None:
    store.migrate()
    configs = {c.name: c for c in store.configs.list()}
    assert len(configs) == len(PREDEFINED_CONFIGS) == 17
    for expected in PREDEFINED_CONFIGS:
        got = configs[expected.name]
        assert got.id == expected.id
        assert got.minimum_healthy_hosts == expected.minimum_healthy_hosts
        assert got.traffic_routing == expected.traffic_routing
        assert got.compute_platform == expected.compute_platform
        assert got.predefined
