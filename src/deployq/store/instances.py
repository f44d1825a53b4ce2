"""On-premises instances and their tags."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from deployq.domain.arns import instance_arn
from deployq.domain.enums import RegistrationStatus
from deployq.domain.model import OnPremisesInstance, TagFilter
from deployq.domain.names import check_name, check_tag
from deployq.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deployq.store.database import Database
from deployq.store.mapping import to_instance
from deployq.store.models import InstanceTagRow, OnPremisesInstanceRow, utcnow

MAX_TAGS = 10


def instance_row(session: Session, name: str) -> OnPremisesInstanceRow:
    row = session.get(OnPremisesInstanceRow, name)
    if row is None or row.status != RegistrationStatus.REGISTERED:
        raise NotFoundError(f"The on-premises instance {name} is not registered.",
                            aws_code="InstanceNotRegisteredException")
    return row


def check_instance_name(name: str) -> str:
    check_name("instance", name, aws_code="InvalidInstanceNameException")
    if name.startswith("i-"):
        raise InvalidInputError(f"The instance name {name} is invalid: it must not start with 'i-'.",
                                aws_code="InvalidInstanceNameException")
    return name


def _set_tags(row: OnPremisesInstanceRow, tags: Mapping[str, str]) -> None:
    for key, value in tags.items():
        check_tag(key, value)
    current = {tag.key: tag for tag in row.tags}
    for key, value in tags.items():
        if key in current:
            current[key].value = value
        else:
            row.tags.append(InstanceTagRow(key=key, value=value))
    if len(row.tags) > MAX_TAGS:
        raise InvalidInputError(f"The instance {row.name} would have more than {MAX_TAGS} tags.",
                                aws_code="InstanceLimitExceededException")


class Instances:
    def __init__(self, db: Database) -> None:
        self.db = db

    def register(
        self,
        name: str,
        *,
        iam_user_arn: str | None = None,
        iam_session_arn: str | None = None,
        tags: Mapping[str, str] | None = None,
        exist_ok: bool = False,
    ) -> OnPremisesInstance:
        """Register an instance. With ``exist_ok`` (an agent re-registering itself) a registered
        instance of that name is kept and its tags merged; a deregistered one is registered again."""
        check_instance_name(name)
        if iam_user_arn and iam_session_arn:
            raise InvalidInputError("Specify an IAM user ARN or an IAM session ARN, not both.",
                                    aws_code="MultipleIamArnsProvidedException")
        with self.db.session() as session:
            row = session.get(OnPremisesInstanceRow, name)
            if row is not None and row.status == RegistrationStatus.REGISTERED and not exist_ok:
                raise AlreadyExistsError(f"The on-premises instance name {name} is already registered.",
                                         aws_code="InstanceNameAlreadyRegisteredException")
            if row is None:
                row = OnPremisesInstanceRow(name=name, arn=instance_arn(name), tags=[])
                session.add(row)
            elif row.status != RegistrationStatus.REGISTERED:
                row.status = RegistrationStatus.REGISTERED.value
                row.register_time = utcnow()
                row.deregister_time = None
            row.iam_user_arn = iam_user_arn or row.iam_user_arn
            row.iam_session_arn = iam_session_arn or row.iam_session_arn
            _set_tags(row, tags or {})
            session.flush()
            return to_instance(row)

    def deregister(self, name: str) -> None:
        with self.db.session() as session:
            row = instance_row(session, name)
            row.status = RegistrationStatus.DEREGISTERED.value
            row.deregister_time = utcnow()

    def get(self, name: str) -> OnPremisesInstance:
        with self.db.session() as session:
            row = session.get(OnPremisesInstanceRow, name)
            if row is None:
                raise NotFoundError(f"The on-premises instance {name} is not registered.",
                                    aws_code="InstanceNotRegisteredException")
            return to_instance(row)

    def add_tags(self, names: Iterable[str], tags: Mapping[str, str]) -> None:
        with self.db.session() as session:
            for name in names:
                _set_tags(instance_row(session, name), tags)

    def remove_tags(self, names: Iterable[str], tags: Mapping[str, str]) -> None:
        """Remove tags; a tag given with a value is removed only where the value matches."""
        with self.db.session() as session:
            for name in names:
                row = instance_row(session, name)
                row.tags = [
                    tag for tag in row.tags
                    if not (tag.key in tags and tags[tag.key] in ("", tag.value))
                ]

    def list(
        self,
        *,
        status: RegistrationStatus | None = None,
        tag_filters: Sequence[TagFilter] = (),
    ) -> list[OnPremisesInstance]:
        """Instances by registration status; with tag filters, those matching any filter."""
        with self.db.session() as session:
            query = select(OnPremisesInstanceRow).order_by(OnPremisesInstanceRow.name)
            if status is not None:
                query = query.where(OnPremisesInstanceRow.status == status.value)
            instances = [to_instance(row) for row in session.scalars(query)]
        if tag_filters:
            instances = [i for i in instances if any(f.matches(i.tags) for f in tag_filters)]
        return instances
