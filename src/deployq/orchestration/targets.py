"""Which instances a deployment group selects (on-premises tag filters and tag sets)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from deployq.domain.enums import RegistrationStatus
from deployq.domain.model import DeploymentGroup, OnPremisesInstance, TagFilter


def matches_group(tags: dict[str, str] | object, group: DeploymentGroup) -> bool:
    """Tag filters are an OR; a tag set is an AND of OR-groups. A group with neither selects nothing."""
    assert isinstance(tags, dict)
    if group.on_premises_tag_set:
        return all(any(f.matches(tags) for f in or_group) for or_group in group.on_premises_tag_set if or_group)
    if group.on_premises_tag_filters:
        return any(f.matches(tags) for f in group.on_premises_tag_filters)
    return False


def select_targets(group: DeploymentGroup, instances: Iterable[OnPremisesInstance]) -> list[OnPremisesInstance]:
    """The registered instances the group selects, by name."""
    return sorted(
        (i for i in instances if i.status is RegistrationStatus.REGISTERED and matches_group(dict(i.tags), group)),
        key=lambda i: i.name,
    )


def filters_from_json(data: Sequence[dict[str, str]]) -> tuple[TagFilter, ...]:
    from deployq.domain.enums import TagFilterType

    return tuple(TagFilter(d.get("Key") or "", d.get("Value") or "", TagFilterType(d.get("Type") or "KEY_AND_VALUE"))
                 for d in data)
