"""Deployments, their targets and lifecycle events: the durable history."""

from __future__ import annotations

import builtins
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deployq.domain.enums import (
    TERMINAL_DEPLOYMENT_STATUSES,
    DeploymentCreator,
    DeploymentStatus,
    ErrorCode,
    FileExistsBehavior,
    LifecycleEventStatus,
    TargetStatus,
)
from deployq.domain.model import ACTIVE_DEPLOYMENT_STATUSES, Deployment, DeploymentTarget, LifecycleEvent
from deployq.domain.names import check_description
from deployq.errors import NotFoundError
from deployq.store.applications import application_row
from deployq.store.database import Database
from deployq.store.groups import group_row
from deployq.store.mapping import to_deployment, to_target
from deployq.store.models import (
    DeploymentGroupRow,
    DeploymentRow,
    DeploymentTargetRow,
    LifecycleEventRow,
    utcnow,
)

_ID_ALPHABET = string.ascii_uppercase + string.digits
_FINISHED_EVENT = {LifecycleEventStatus.SUCCEEDED, LifecycleEventStatus.FAILED, LifecycleEventStatus.SKIPPED}


@dataclass(frozen=True)
class HostRecord:
    last_status: TargetStatus
    revision: dict[str, Any] | None = None
    deployment_id: str | None = None
    updated_at: datetime | None = None


def new_deployment_id() -> str:
    """An id in CodeDeploy's form: ``d-`` and nine upper-case letters or digits."""
    return "d-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(9))


def deployment_row(session: Session, deployment_id: str) -> DeploymentRow:
    row = session.get(DeploymentRow, deployment_id)
    if row is None:
        raise NotFoundError(f"The deployment {deployment_id} could not be found.",
                            aws_code="DeploymentDoesNotExistException")
    return row


class Deployments:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self,
        application: str,
        group: str,
        *,
        deployment_config_name: str,
        revision: dict[str, Any] | None,
        revision_id: str | None = None,
        previous_revision: dict[str, Any] | None = None,
        creator: DeploymentCreator = DeploymentCreator.USER,
        description: str | None = None,
        file_exists_behavior: FileExistsBehavior = FileExistsBehavior.DISALLOW,
        ignore_application_stop_failures: bool = False,
        update_outdated_instances_only: bool = False,
        auto_rollback: dict[str, Any] | None = None,
        status: DeploymentStatus = DeploymentStatus.CREATED,
        target_hosts: Sequence[str] | None = None,
    ) -> Deployment:
        check_description(description)
        with self.db.session() as session:
            grp = group_row(session, application, group)
            row = DeploymentRow(
                id=new_deployment_id(),
                application_id=grp.application_id,
                deployment_group_id=grp.id,
                deployment_group_name=grp.name,
                deployment_config_name=deployment_config_name,
                revision_id=revision_id,
                revision=revision,
                previous_revision=previous_revision,
                status=status.value,
                creator=creator.value,
                description=description,
                file_exists_behavior=file_exists_behavior.value,
                ignore_application_stop_failures=ignore_application_stop_failures,
                update_outdated_instances_only=update_outdated_instances_only,
                auto_rollback=auto_rollback,
                target_hosts=None if target_hosts is None else list(target_hosts),
            )
            row.application = grp.application
            session.add(row)
            grp.last_attempted_deployment_id = row.id
            session.flush()
            return to_deployment(row)

    def get(self, deployment_id: str) -> Deployment:
        with self.db.session() as session:
            return to_deployment(deployment_row(session, deployment_id))

    def list(
        self,
        *,
        application: str | None = None,
        group: str | None = None,
        statuses: Iterable[DeploymentStatus] = (),
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> list[Deployment]:
        """Deployments, newest first, filtered as ListDeployments filters them."""
        with self.db.session() as session:
            query = select(DeploymentRow).order_by(DeploymentRow.create_time.desc(), DeploymentRow.id)
            if application is not None:
                if group is not None:
                    query = query.where(DeploymentRow.deployment_group_id == group_row(session, application, group).id)
                else:
                    query = query.where(DeploymentRow.application_id == application_row(session, application).id)
            wanted = [s.value for s in statuses]
            if wanted:
                query = query.where(DeploymentRow.status.in_(wanted))
            if created_after is not None:
                query = query.where(DeploymentRow.create_time >= created_after)
            if created_before is not None:
                query = query.where(DeploymentRow.create_time <= created_before)
            return [to_deployment(row) for row in session.scalars(query)]

    def transition(
        self,
        deployment_id: str,
        allowed_from: Iterable[DeploymentStatus],
        to: DeploymentStatus,
        *,
        error_code: ErrorCode | None = None,
        error_message: str | None = None,
    ) -> bool:
        """Compare-and-set the status: move to ``to`` only from one of ``allowed_from``.

        Returns False (and changes nothing) when the deployment is in another status, so a repeated
        or late call is a no-op."""
        now = utcnow()
        values: dict[str, Any] = {"status": to.value}
        if to is DeploymentStatus.IN_PROGRESS:
            values["start_time"] = now
        if to in TERMINAL_DEPLOYMENT_STATUSES:
            values["complete_time"] = now
        if error_code is not None:
            values["error_code"] = error_code.value
            values["error_message"] = error_message
        with self.db.session() as session:
            deployment_row(session, deployment_id)
            result = session.execute(
                update(DeploymentRow)
                .where(DeploymentRow.id == deployment_id,
                       DeploymentRow.status.in_([s.value for s in allowed_from]))
                .values(**values)
            )
            changed = bool(result.rowcount)  # type: ignore[attr-defined]
            if changed and to is DeploymentStatus.SUCCEEDED:
                row = deployment_row(session, deployment_id)
                if row.deployment_group_id is not None:
                    grp = session.get(DeploymentGroupRow, row.deployment_group_id)
                    if grp is not None:
                        grp.last_successful_deployment_id = deployment_id
            return changed

    def active(self, group_id: str) -> builtins.list[Deployment]:
        """The group's deployments that are not finished, oldest first."""
        with self.db.session() as session:
            rows = session.scalars(
                select(DeploymentRow)
                .where(DeploymentRow.deployment_group_id == group_id,
                       DeploymentRow.status.in_([s.value for s in ACTIVE_DEPLOYMENT_STATUSES]))
                .order_by(DeploymentRow.create_time, DeploymentRow.id)
            )
            return [to_deployment(row) for row in rows]

    def set_rollback_info(self, deployment_id: str, info: dict[str, Any]) -> None:
        with self.db.session() as session:
            row = deployment_row(session, deployment_id)
            row.rollback_info = {**(row.rollback_info or {}), **info}

    def skip_pending_targets(self, deployment_id: str) -> int:
        """Targets never deployed (the deployment ended first) become Skipped; return how many."""
        with self.db.session() as session:
            result = session.execute(
                update(DeploymentTargetRow)
                .where(DeploymentTargetRow.deployment_id == deployment_id,
                       DeploymentTargetRow.status.in_([TargetStatus.PENDING.value, TargetStatus.IN_PROGRESS.value]))
                .values(status=TargetStatus.SKIPPED.value, last_updated_at=utcnow())
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    def host_history(self, group_id: str) -> dict[str, HostRecord]:
        """For each host the group ever deployed: the status of its latest finished target, and the
        revision and deployment of its latest successful one (which revision is on which host)."""
        finished = [TargetStatus.SUCCEEDED.value, TargetStatus.FAILED.value]
        with self.db.session() as session:
            rows = session.execute(
                select(DeploymentTargetRow.target_id, DeploymentTargetRow.status, DeploymentRow.revision,
                       DeploymentRow.id, DeploymentTargetRow.last_updated_at)
                .join(DeploymentRow, DeploymentRow.id == DeploymentTargetRow.deployment_id)
                .where(DeploymentRow.deployment_group_id == group_id, DeploymentTargetRow.status.in_(finished))
                .order_by(DeploymentTargetRow.last_updated_at, DeploymentTargetRow.id)
            ).all()
        history: dict[str, HostRecord] = {}
        for target_id, status, revision, deployment_id, when in rows:
            record = history.get(target_id, HostRecord(TargetStatus(status)))
            record = HostRecord(TargetStatus(status), record.revision, record.deployment_id, record.updated_at)
            if status == TargetStatus.SUCCEEDED.value:
                record = HostRecord(record.last_status, revision, deployment_id, when)
            history[target_id] = record
        return history

    def add_targets(self, deployment_id: str, target_ids: Sequence[str], events: Sequence[str]) -> None:
        """Create the targets with their events Pending; targets that exist already are kept."""
        with self.db.session() as session:
            deployment_row(session, deployment_id)
            existing = set(session.scalars(select(DeploymentTargetRow.target_id)
                                           .where(DeploymentTargetRow.deployment_id == deployment_id)))
            for target_id in target_ids:
                if target_id in existing:
                    continue
                target = DeploymentTargetRow(deployment_id=deployment_id, target_id=target_id,
                                             status=TargetStatus.PENDING.value)
                target.events = [
                    LifecycleEventRow(position=i, name=name, status=LifecycleEventStatus.PENDING.value)
                    for i, name in enumerate(events)
                ]
                session.add(target)

    def targets(self, deployment_id: str) -> builtins.list[DeploymentTarget]:
        with self.db.session() as session:
            deployment_row(session, deployment_id)
            rows = session.scalars(select(DeploymentTargetRow)
                                   .where(DeploymentTargetRow.deployment_id == deployment_id)
                                   .order_by(DeploymentTargetRow.target_id))
            return [to_target(row) for row in rows]

    def record_event(self, deployment_id: str, target_id: str, event: LifecycleEvent) -> bool:
        """Store an event's outcome. A finished event is never changed again: a repeated record
        (redelivery) is a no-op and returns False."""
        with self.db.session() as session:
            target = session.scalar(select(DeploymentTargetRow).where(
                DeploymentTargetRow.deployment_id == deployment_id,
                DeploymentTargetRow.target_id == target_id,
            ))
            if target is None:
                raise NotFoundError(f"The target {target_id} is not part of deployment {deployment_id}.",
                                    aws_code="DeploymentTargetDoesNotExistException")
            row = next((e for e in target.events if e.name == event.name), None)
            if row is None:
                row = LifecycleEventRow(position=len(target.events), name=event.name,
                                        status=LifecycleEventStatus.PENDING.value)
                target.events.append(row)
            if LifecycleEventStatus(row.status) in _FINISHED_EVENT:
                return False
            row.status = event.status.value
            row.start_time = event.start_time or row.start_time
            row.end_time = event.end_time
            row.error_code = event.error_code.value if event.error_code else None
            row.script_name = event.script_name
            row.message = event.message
            row.log = event.log
            target.last_updated_at = utcnow()
            return True

    def set_target_status(self, deployment_id: str, target_id: str, status: TargetStatus) -> None:
        with self.db.session() as session:
            session.execute(
                update(DeploymentTargetRow)
                .where(DeploymentTargetRow.deployment_id == deployment_id,
                       DeploymentTargetRow.target_id == target_id)
                .values(status=status.value, last_updated_at=utcnow())
            )
