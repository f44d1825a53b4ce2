"""Deployment groups in the durable store."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from deployq.domain.configs import DEFAULT_SERVER_CONFIG
from deployq.domain.model import DeploymentGroup, TagFilter
from deployq.domain.names import check_name, check_tag
from deployq.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deployq.store.applications import application_row
from deployq.store.configs import config_row
from deployq.store.database import Database
from deployq.store.mapping import tag_filter_json, to_group
from deployq.store.models import DeploymentGroupRow

#: Settings of a group that are kept as their CodeDeploy JSON form.
JSON_FIELDS = (
    "auto_rollback",
    "alarm_configuration",
    "health_check",
    "load_balancer_info",
    "deployment_style",
    "blue_green_configuration",
)


def group_row(session: Session, application: str, name: str) -> DeploymentGroupRow:
    app = application_row(session, application)
    row = session.scalar(
        select(DeploymentGroupRow).where(
            DeploymentGroupRow.application_id == app.id, DeploymentGroupRow.name == name
        )
    )
    if row is None:
        raise NotFoundError(f"No Deployment Group found for name: {name}",
                            aws_code="DeploymentGroupDoesNotExistException")
    return row


def _filters_json(filters: Sequence[TagFilter]) -> list[dict[str, str]]:
    for tag_filter in filters:
        if tag_filter.key:
            check_tag(tag_filter.key, tag_filter.value)
    return [tag_filter_json(f) for f in filters]


class DeploymentGroups:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        application: str,
        name: str,
        *,
        deployment_config_name: str | None = None,
        tag_filters: Sequence[TagFilter] = (),
        tag_set: Sequence[Sequence[TagFilter]] = (),
        service_role_arn: str | None = None,
        trigger_configurations: Sequence[dict[str, Any]] = (),
        outdated_instances_strategy: str = "UPDATE",
        **settings: dict[str, Any] | None,
    ) -> DeploymentGroup:
        check_name("deployment group", name, aws_code="InvalidDeploymentGroupNameException")
        _check_settings(settings)
        if tag_filters and tag_set:
            raise InvalidInputError(
                "Specify either on-premises tag filters or an on-premises tag set, not both.",
                aws_code="InvalidOnPremisesTagCombinationException",
            )
        config_name = deployment_config_name or DEFAULT_SERVER_CONFIG
        with self.db.session() as session:
            app = application_row(session, application)
            config_row(session, config_name)
            if session.scalar(select(DeploymentGroupRow.id).where(
                DeploymentGroupRow.application_id == app.id, DeploymentGroupRow.name == name
            )):
                raise AlreadyExistsError(
                    f"A deployment group with the name {name} already exists for application {application}.",
                    aws_code="DeploymentGroupAlreadyExistsException",
                )
            row = DeploymentGroupRow(
                id=str(uuid.uuid4()),
                application_id=app.id,
                name=name,
                deployment_config_name=config_name,
                service_role_arn=service_role_arn,
                on_premises_tag_filters=_filters_json(tag_filters),
                on_premises_tag_set=[_filters_json(group) for group in tag_set],
                trigger_configurations=list(trigger_configurations),
                outdated_instances_strategy=outdated_instances_strategy,
                **settings,
            )
            row.application = app
            session.add(row)
            session.flush()
            return to_group(row)

    def get(self, application: str, name: str) -> DeploymentGroup:
        with self.db.session() as session:
            return to_group(group_row(session, application, name))

    def list(self, application: str) -> list[DeploymentGroup]:
        with self.db.session() as session:
            app = application_row(session, application)
            rows = session.scalars(
                select(DeploymentGroupRow)
                .where(DeploymentGroupRow.application_id == app.id)
                .order_by(DeploymentGroupRow.name)
            )
            return [to_group(row) for row in rows]

    def update(
        self,
        application: str,
        name: str,
        *,
        new_name: str | None = None,
        deployment_config_name: str | None = None,
        tag_filters: Sequence[TagFilter] | None = None,
        tag_set: Sequence[Sequence[TagFilter]] | None = None,
        **settings: dict[str, Any] | None,
    ) -> DeploymentGroup:
        """Change only what is given, as UpdateDeploymentGroup does."""
        _check_settings(settings)
        with self.db.session() as session:
            row = group_row(session, application, name)
            if new_name is not None and new_name != name:
                check_name("deployment group", new_name, aws_code="InvalidDeploymentGroupNameException")
                if session.scalar(select(DeploymentGroupRow.id).where(
                    DeploymentGroupRow.application_id == row.application_id,
                    DeploymentGroupRow.name == new_name,
                )):
                    raise AlreadyExistsError(
                        f"A deployment group with the name {new_name} already exists.",
                        aws_code="DeploymentGroupAlreadyExistsException",
                    )
                row.name = new_name
            if deployment_config_name is not None:
                config_row(session, deployment_config_name)
                row.deployment_config_name = deployment_config_name
            if tag_filters is not None:
                row.on_premises_tag_filters = _filters_json(tag_filters)
            if tag_set is not None:
                row.on_premises_tag_set = [_filters_json(group) for group in tag_set]
            if row.on_premises_tag_filters and row.on_premises_tag_set:
                raise InvalidInputError(
                    "Specify either on-premises tag filters or an on-premises tag set, not both.",
                    aws_code="InvalidOnPremisesTagCombinationException",
                )
            for key, value in settings.items():
                setattr(row, key, value)
            session.flush()
            return to_group(row)

    def delete(self, application: str, name: str) -> None:
        with self.db.session() as session:
            session.delete(group_row(session, application, name))


def _check_settings(settings: dict[str, Any]) -> None:
    unknown = sorted(set(settings) - set(JSON_FIELDS))
    if unknown:
        raise InvalidInputError(f"unknown deployment group setting(s): {', '.join(unknown)}")
