"""The initial schema: applications, groups, configs, revisions, deployments, instances.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("compute_platform", sa.String(length=16), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("name", name=op.f("uq_applications_name")),
    )
    op.create_table(
        "deployment_configs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("compute_platform", sa.String(length=16), nullable=False),
        sa.Column("minimum_healthy_hosts_type", sa.String(length=32), nullable=True),
        sa.Column("minimum_healthy_hosts_value", sa.Integer(), nullable=True),
        sa.Column("traffic_routing", sa.JSON(), nullable=True),
        sa.Column("zonal_config", sa.JSON(), nullable=True),
        sa.Column("predefined", sa.Boolean(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_configs")),
        sa.UniqueConstraint("name", name=op.f("uq_deployment_configs_name")),
    )
    op.create_table(
        "on_premises_instances",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("arn", sa.String(length=2048), nullable=False),
        sa.Column("iam_user_arn", sa.String(length=2048), nullable=True),
        sa.Column("iam_session_arn", sa.String(length=2048), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("register_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deregister_time", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_on_premises_instances")),
    )
    op.create_table(
        "resource_tags",
        sa.Column("resource_arn", sa.String(length=1011), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("resource_arn", "key", name=op.f("pk_resource_tags")),
    )
    op.create_table(
        "deployment_groups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("deployment_config_name", sa.String(length=100), nullable=False),
        sa.Column("service_role_arn", sa.String(length=2048), nullable=True),
        sa.Column("on_premises_tag_filters", sa.JSON(), nullable=False),
        sa.Column("on_premises_tag_set", sa.JSON(), nullable=False),
        sa.Column("auto_rollback", sa.JSON(), nullable=True),
        sa.Column("alarm_configuration", sa.JSON(), nullable=True),
        sa.Column("health_check", sa.JSON(), nullable=True),
        sa.Column("trigger_configurations", sa.JSON(), nullable=False),
        sa.Column("load_balancer_info", sa.JSON(), nullable=True),
        sa.Column("deployment_style", sa.JSON(), nullable=True),
        sa.Column("blue_green_configuration", sa.JSON(), nullable=True),
        sa.Column("outdated_instances_strategy", sa.String(length=16), nullable=False),
        sa.Column("last_successful_deployment_id", sa.String(length=32), nullable=True),
        sa.Column("last_attempted_deployment_id", sa.String(length=32), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_deployment_groups_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_groups")),
        sa.UniqueConstraint("application_id", "name", name=op.f("uq_deployment_groups_application_id")),
    )
    op.create_table(
        "instance_tags",
        sa.Column("instance_name", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(
            ["instance_name"],
            ["on_premises_instances.name"],
            name=op.f("fk_instance_tags_instance_name_on_premises_instances"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("instance_name", "key", name=op.f("pk_instance_tags")),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("revision_type", sa.String(length=32), nullable=False),
        sa.Column("location_hash", sa.String(length=64), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=True),
        sa.Column("register_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_used_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_time", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_revisions_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_revisions")),
        sa.UniqueConstraint("application_id", "location_hash", name=op.f("uq_revisions_application_id")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("application_id", sa.String(length=36), nullable=False),
        sa.Column("deployment_group_id", sa.String(length=36), nullable=True),
        sa.Column("deployment_group_name", sa.String(length=100), nullable=False),
        sa.Column("deployment_config_name", sa.String(length=100), nullable=False),
        sa.Column("revision_id", sa.String(length=36), nullable=True),
        sa.Column("revision", sa.JSON(), nullable=True),
        sa.Column("previous_revision", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error_code", sa.String(length=64), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("creator", sa.String(length=32), nullable=False),
        sa.Column("description", sa.String(length=256), nullable=True),
        sa.Column("file_exists_behavior", sa.String(length=16), nullable=False),
        sa.Column("ignore_application_stop_failures", sa.Boolean(), nullable=False),
        sa.Column("update_outdated_instances_only", sa.Boolean(), nullable=False),
        sa.Column("auto_rollback", sa.JSON(), nullable=True),
        sa.Column("rollback_info", sa.JSON(), nullable=True),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("complete_time", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_deployments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["deployment_group_id"],
            ["deployment_groups.id"],
            name=op.f("fk_deployments_deployment_group_id_deployment_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_deployments_revision_id_revisions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.create_index("ix_deployments_create_time", ["create_time"], unique=False)
        batch_op.create_index("ix_deployments_group_status", ["deployment_group_id", "status"], unique=False)

    op.create_table(
        "deployment_targets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.String(length=100), nullable=False),
        sa.Column("target_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("instance_label", sa.String(length=8), nullable=True),
        sa.Column("last_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_targets_deployment_id_deployments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_targets")),
        sa.UniqueConstraint("deployment_id", "target_id", name=op.f("uq_deployment_targets_deployment_id")),
    )
    op.create_table(
        "lifecycle_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("target_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("script_name", sa.String(length=1024), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("log", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["target_pk"],
            ["deployment_targets.id"],
            name=op.f("fk_lifecycle_events_target_pk_deployment_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_events")),
        sa.UniqueConstraint("target_pk", "name", name=op.f("uq_lifecycle_events_target_pk")),
    )


def downgrade() -> None:
    op.drop_table("lifecycle_events")
    op.drop_table("deployment_targets")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_index("ix_deployments_group_status")
        batch_op.drop_index("ix_deployments_create_time")

    op.drop_table("deployments")
    op.drop_table("revisions")
    op.drop_table("instance_tags")
    op.drop_table("deployment_groups")
    op.drop_table("resource_tags")
    op.drop_table("on_premises_instances")
    op.drop_table("deployment_configs")
    op.drop_table("applications")
