"""Applications in the durable store."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from deployq.domain.enums import ComputePlatform
from deployq.domain.model import Application
from deployq.domain.names import check_name
from deployq.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deployq.store.database import Database
from deployq.store.mapping import to_application
from deployq.store.models import ApplicationRow


def application_row(session: Session, name: str) -> ApplicationRow:
    row = session.scalar(select(ApplicationRow).where(ApplicationRow.name == name))
    if row is None:
        raise NotFoundError(f"No application found for name: {name}",
                            aws_code="ApplicationDoesNotExistException")
    return row


class Applications:
    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, name: str, compute_platform: str = ComputePlatform.SERVER) -> Application:
        check_name("application", name, aws_code="InvalidApplicationNameException")
        try:
            platform = ComputePlatform(compute_platform)
        except ValueError:
            raise InvalidInputError(
                f"The compute platform {compute_platform!r} is invalid; use Server, Lambda or ECS.",
                aws_code="InvalidComputePlatformException",
            ) from None
        with self.db.session() as session:
            if session.scalar(select(ApplicationRow.id).where(ApplicationRow.name == name)):
                raise AlreadyExistsError(f"An application with the name {name} already exists.",
                                         aws_code="ApplicationAlreadyExistsException")
            row = ApplicationRow(id=str(uuid.uuid4()), name=name, compute_platform=platform.value)
            session.add(row)
            session.flush()
            return to_application(row)

    def get(self, name: str) -> Application:
        with self.db.session() as session:
            return to_application(application_row(session, name))

    def list(self) -> list[Application]:
        with self.db.session() as session:
            rows = session.scalars(select(ApplicationRow).order_by(ApplicationRow.name))
            return [to_application(row) for row in rows]

    def rename(self, name: str, new_name: str) -> Application:
        check_name("application", new_name, aws_code="InvalidApplicationNameException")
        with self.db.session() as session:
            row = application_row(session, name)
            if new_name != name and session.scalar(
                select(ApplicationRow.id).where(ApplicationRow.name == new_name)
            ):
                raise AlreadyExistsError(f"An application with the name {new_name} already exists.",
                                         aws_code="ApplicationAlreadyExistsException")
            row.name = new_name
            session.flush()
            return to_application(row)

    def delete(self, name: str) -> None:
        """Delete the application with its groups, revisions and deployment history.

        Like CodeDeploy, deleting an application that does not exist is not an error."""
        with self.db.session() as session:
            row = session.scalar(select(ApplicationRow).where(ApplicationRow.name == name))
            if row is not None:
                session.delete(row)
