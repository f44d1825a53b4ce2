"""The durable record: SQLAlchemy tables. Alembic migrations under ``migrations/`` create them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class ApplicationRow(Base):
    __tablename__ = "applications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    compute_platform: Mapped[str] = mapped_column(String(16))
    create_time: Mapped[datetime] = mapped_column(default=utcnow)


class DeploymentConfigRow(Base):
    __tablename__ = "deployment_configs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    compute_platform: Mapped[str] = mapped_column(String(16))
    minimum_healthy_hosts_type: Mapped[str | None] = mapped_column(String(32))
    minimum_healthy_hosts_value: Mapped[int | None] = mapped_column(Integer)
    traffic_routing: Mapped[dict[str, Any] | None]
    zonal_config: Mapped[dict[str, Any] | None]
    predefined: Mapped[bool] = mapped_column(Boolean, default=False)
    create_time: Mapped[datetime] = mapped_column(default=utcnow)


class DeploymentGroupRow(Base):
    __tablename__ = "deployment_groups"
    __table_args__ = (UniqueConstraint("application_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    deployment_config_name: Mapped[str] = mapped_column(String(100))
    service_role_arn: Mapped[str | None] = mapped_column(String(2048))
    on_premises_tag_filters: Mapped[list[Any]] = mapped_column(default=list)
    on_premises_tag_set: Mapped[list[Any]] = mapped_column(default=list)
    auto_rollback: Mapped[dict[str, Any] | None]
    alarm_configuration: Mapped[dict[str, Any] | None]
    health_check: Mapped[dict[str, Any] | None]
    trigger_configurations: Mapped[list[Any]] = mapped_column(default=list)
    load_balancer_info: Mapped[dict[str, Any] | None]
    deployment_style: Mapped[dict[str, Any] | None]
    blue_green_configuration: Mapped[dict[str, Any] | None]
    outdated_instances_strategy: Mapped[str] = mapped_column(String(16), default="UPDATE")
    last_successful_deployment_id: Mapped[str | None] = mapped_column(String(32))
    last_attempted_deployment_id: Mapped[str | None] = mapped_column(String(32))
    create_time: Mapped[datetime] = mapped_column(default=utcnow)

    application: Mapped[ApplicationRow] = relationship(lazy="joined")


class RevisionRow(Base):
    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("application_id", "location_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    revision_type: Mapped[str] = mapped_column(String(32))
    #: sha256 of the location's canonical JSON: one row per distinct revision of an application.
    location_hash: Mapped[str] = mapped_column(String(64))
    location: Mapped[dict[str, Any]]
    description: Mapped[str | None] = mapped_column(String(256))
    register_time: Mapped[datetime] = mapped_column(default=utcnow)
    first_used_time: Mapped[datetime | None]
    last_used_time: Mapped[datetime | None]

    application: Mapped[ApplicationRow] = relationship(lazy="joined")


class DeploymentRow(Base):
    __tablename__ = "deployments"
    __table_args__ = (
        Index("ix_deployments_group_status", "deployment_group_id", "status"),
        Index("ix_deployments_create_time", "create_time"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    deployment_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("deployment_groups.id", ondelete="SET NULL")
    )
    deployment_group_name: Mapped[str] = mapped_column(String(100))
    deployment_config_name: Mapped[str] = mapped_column(String(100))
    revision_id: Mapped[str | None] = mapped_column(ForeignKey("revisions.id", ondelete="SET NULL"))
    revision: Mapped[dict[str, Any] | None]
    previous_revision: Mapped[dict[str, Any] | None]
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    creator: Mapped[str] = mapped_column(String(32), default="user")
    description: Mapped[str | None] = mapped_column(String(256))
    file_exists_behavior: Mapped[str] = mapped_column(String(16), default="DISALLOW")
    ignore_application_stop_failures: Mapped[bool] = mapped_column(Boolean, default=False)
    update_outdated_instances_only: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_rollback: Mapped[dict[str, Any] | None]
    rollback_info: Mapped[dict[str, Any] | None]
    #: deployq: deploy to these hosts only (catch-up of a new instance); None = the group's targets.
    target_hosts: Mapped[list[Any] | None]
    create_time: Mapped[datetime] = mapped_column(default=utcnow)
    start_time: Mapped[datetime | None]
    complete_time: Mapped[datetime | None]

    application: Mapped[ApplicationRow] = relationship(lazy="joined")


class DeploymentTargetRow(Base):
    __tablename__ = "deployment_targets"
    __table_args__ = (UniqueConstraint("deployment_id", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id", ondelete="CASCADE"))
    target_id: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str] = mapped_column(String(32), default="InstanceTarget")
    status: Mapped[str] = mapped_column(String(16))
    instance_label: Mapped[str | None] = mapped_column(String(8))
    last_updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    events: Mapped[list[LifecycleEventRow]] = relationship(
        order_by="LifecycleEventRow.position", cascade="all, delete-orphan", lazy="selectin"
    )


class LifecycleEventRow(Base):
    __tablename__ = "lifecycle_events"
    __table_args__ = (UniqueConstraint("target_pk", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_pk: Mapped[int] = mapped_column(ForeignKey("deployment_targets.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    start_time: Mapped[datetime | None]
    end_time: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(32))
    script_name: Mapped[str | None] = mapped_column(String(1024))
    message: Mapped[str | None] = mapped_column(Text)
    log: Mapped[str | None] = mapped_column(Text)


class OnPremisesInstanceRow(Base):
    __tablename__ = "on_premises_instances"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    arn: Mapped[str] = mapped_column(String(2048))
    iam_user_arn: Mapped[str | None] = mapped_column(String(2048))
    iam_session_arn: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[str] = mapped_column(String(16), default="Registered")
    register_time: Mapped[datetime] = mapped_column(default=utcnow)
    deregister_time: Mapped[datetime | None]

    tags: Mapped[list[InstanceTagRow]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="InstanceTagRow.key"
    )


class InstanceTagRow(Base):
    __tablename__ = "instance_tags"

    instance_name: Mapped[str] = mapped_column(
        ForeignKey("on_premises_instances.name", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), default="")


class ResourceTagRow(Base):
    """Tags of applications, deployment groups and configs by ARN (TagResource)."""

    __tablename__ = "resource_tags"

    resource_arn: Mapped[str] = mapped_column(String(1011), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(String(256), default="")
