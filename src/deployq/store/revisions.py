"""Application revisions (RegisterApplicationRevision and friends)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select

from deployq.domain.model import Revision
from deployq.domain.names import check_description
from deployq.errors import InvalidInputError, NotFoundError
from deployq.store.applications import application_row
from deployq.store.database import Database
from deployq.store.mapping import to_revision
from deployq.store.models import RevisionRow, utcnow


def location_hash(location: dict[str, Any]) -> str:
    """The identity of a revision: its location, whatever the key order."""
    canonical = json.dumps(location, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Revisions:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(self, application: str, location: dict[str, Any], description: str | None = None) -> Revision:
        """Register a revision; registering the same location again updates its description."""
        revision_type = location.get("revisionType")
        if not isinstance(revision_type, str) or not revision_type:
            raise InvalidInputError("The revision is missing its revisionType.",
                                    aws_code="RevisionRequiredException")
        check_description(description)
        digest = location_hash(location)
        with self.db.session() as session:
            app = application_row(session, application)
            row = session.scalar(select(RevisionRow).where(
                RevisionRow.application_id == app.id, RevisionRow.location_hash == digest
            ))
            if row is None:
                row = RevisionRow(id=str(uuid.uuid4()), application_id=app.id, revision_type=revision_type,
                                  location_hash=digest, location=location, description=description)
                row.application = app
                session.add(row)
            elif description is not None:
                row.description = description
            session.flush()
            return to_revision(row)

    def get(self, application: str, location: dict[str, Any]) -> Revision:
        with self.db.session() as session:
            app = application_row(session, application)
            row = session.scalar(select(RevisionRow).where(
                RevisionRow.application_id == app.id, RevisionRow.location_hash == location_hash(location)
            ))
            if row is None:
                raise NotFoundError("The revision does not exist for this application.",
                                    aws_code="RevisionDoesNotExistException")
            return to_revision(row)

    def list(self, application: str) -> list[Revision]:
        with self.db.session() as session:
            app = application_row(session, application)
            rows = session.scalars(select(RevisionRow).where(RevisionRow.application_id == app.id)
                                   .order_by(RevisionRow.register_time, RevisionRow.id))
            return [to_revision(row) for row in rows]

    def mark_used(self, revision_id: str, when: datetime | None = None) -> None:
        moment = when or utcnow()
        with self.db.session() as session:
            row = session.get(RevisionRow, revision_id)
            if row is None:
                raise NotFoundError("The revision does not exist.", aws_code="RevisionDoesNotExistException")
            row.first_used_time = row.first_used_time or moment
            row.last_used_time = moment
