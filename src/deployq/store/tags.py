"""Tags of applications, deployment groups and deployment configs, by ARN (TagResource)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select

from deployq.domain.names import check_tag
from deployq.store.database import Database
from deployq.store.models import ResourceTagRow


class ResourceTags:
    def __init__(self, db: Database) -> None:
        self.db = db

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        for key, value in tags.items():
            check_tag(key, value)
        with self.db.session() as session:
            for key, value in tags.items():
                row = session.get(ResourceTagRow, (arn, key))
                if row is None:
                    session.add(ResourceTagRow(resource_arn=arn, key=key, value=value))
                else:
                    row.value = value

    def untag(self, arn: str, keys: Iterable[str]) -> None:
        with self.db.session() as session:
            session.execute(delete(ResourceTagRow).where(ResourceTagRow.resource_arn == arn,
                                                         ResourceTagRow.key.in_(list(keys))))

    def tags(self, arn: str) -> dict[str, str]:
        with self.db.session() as session:
            rows = session.scalars(select(ResourceTagRow).where(ResourceTagRow.resource_arn == arn)
                                   .order_by(ResourceTagRow.key))
            return {row.key: row.value for row in rows}
