"""Deployment configurations: the predefined ones and custom ones."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from deployq.domain.configs import is_predefined_name
from deployq.domain.enums import ComputePlatform, MinimumHealthyHostsType
from deployq.domain.model import DeploymentConfig, MinimumHealthyHosts, TrafficRouting
from deployq.domain.names import check_name
from deployq.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deployq.store.database import Database
from deployq.store.mapping import config_row_values, to_config
from deployq.store.models import DeploymentConfigRow, DeploymentGroupRow


def config_row(session: Session, name: str) -> DeploymentConfigRow:
    row = session.scalar(select(DeploymentConfigRow).where(DeploymentConfigRow.name == name))
    if row is None:
        raise NotFoundError(f"Deployment config {name} does not exist.",
                            aws_code="DeploymentConfigDoesNotExistException")
    return row


def check_minimum_healthy_hosts(minimum: MinimumHealthyHosts) -> None:
    if minimum.type is MinimumHealthyHostsType.MOST_CONCURRENCY:
        raise InvalidInputError("The minimum healthy hosts type must be HOST_COUNT or FLEET_PERCENT.",
                                aws_code="InvalidMinimumHealthyHostValueException")
    if minimum.type is MinimumHealthyHostsType.FLEET_PERCENT and not 0 <= minimum.value <= 99:
        raise InvalidInputError(
            f"The minimum healthy hosts value {minimum.value} is invalid: FLEET_PERCENT takes 0 to 99.",
            aws_code="InvalidMinimumHealthyHostValueException",
        )
    if minimum.type is MinimumHealthyHostsType.HOST_COUNT and minimum.value < 0:
        raise InvalidInputError(
            f"The minimum healthy hosts value {minimum.value} is invalid: HOST_COUNT takes 0 or more.",
            aws_code="InvalidMinimumHealthyHostValueException",
        )


class DeploymentConfigs:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        name: str,
        *,
        compute_platform: ComputePlatform = ComputePlatform.SERVER,
        minimum_healthy_hosts: MinimumHealthyHosts | None = None,
        traffic_routing: TrafficRouting | None = None,
    ) -> DeploymentConfig:
        check_name("deployment config", name, aws_code="InvalidDeploymentConfigNameException")
        if is_predefined_name(name):
            raise InvalidInputError(
                f"The deployment config name {name} is invalid: names starting with "
                "CodeDeployDefault. are reserved.",
                aws_code="InvalidDeploymentConfigNameException",
            )
        if compute_platform is ComputePlatform.SERVER:
            if minimum_healthy_hosts is None:
                raise InvalidInputError("A Server deployment config needs minimumHealthyHosts.",
                                        aws_code="InvalidMinimumHealthyHostValueException")
            check_minimum_healthy_hosts(minimum_healthy_hosts)
        config = DeploymentConfig(
            id=str(uuid.uuid4()),
            name=name,
            compute_platform=compute_platform,
            minimum_healthy_hosts=minimum_healthy_hosts,
            traffic_routing=traffic_routing,
        )
        with self.db.session() as session:
            if session.scalar(select(DeploymentConfigRow.id).where(DeploymentConfigRow.name == name)):
                raise AlreadyExistsError(f"A deployment configuration with the name {name} already exists.",
                                         aws_code="DeploymentConfigAlreadyExistsException")
            row = DeploymentConfigRow(**config_row_values(config))
            session.add(row)
            session.flush()
            return to_config(row)

    def get(self, name: str) -> DeploymentConfig:
        with self.db.session() as session:
            return to_config(config_row(session, name))

    def list(self) -> list[DeploymentConfig]:
        with self.db.session() as session:
            rows = session.scalars(select(DeploymentConfigRow).order_by(DeploymentConfigRow.name))
            return [to_config(row) for row in rows]

    def delete(self, name: str) -> None:
        if is_predefined_name(name):
            raise InvalidInputError(f"The predefined deployment config {name} cannot be deleted.",
                                    aws_code="InvalidOperationException")
        with self.db.session() as session:
            row = session.scalar(select(DeploymentConfigRow).where(DeploymentConfigRow.name == name))
            if row is None:
                return
            in_use = session.scalar(
                select(DeploymentGroupRow.name).where(DeploymentGroupRow.deployment_config_name == name)
            )
            if in_use:
                raise InvalidInputError(
                    f"The deployment config {name} is in use by deployment group {in_use}.",
                    aws_code="DeploymentConfigInUseException",
                )
            session.delete(row)
