"""The parsed AppSpec files: frozen dataclasses, JSON-able through ``summary()``.

Line numbers and key paths are kept on the entries (``line``/``key_path``, excluded from equality) so
that later steps (the installer) can report errors at the right place.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from deployq.domain.enums import ComputePlatform, FileExistsBehavior

DEFAULT_TIMEOUT = 3600
DEFAULT_PATTERN = "**"
OBJECT_TYPES = ("file", "directory")


@dataclass(frozen=True)
class HookScript:
    """One script of a lifecycle event (``hooks.<Event>[i]``)."""

    location: str
    timeout: int = DEFAULT_TIMEOUT
    runas: str | None = None
    sudo: bool | None = None
    key_path: str = field(default="", compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)

    def summary(self) -> dict[str, Any]:
        return {"location": self.location, "timeout": self.timeout, "runas": self.runas, "sudo": self.sudo}


class HookMap(Mapping[str, tuple[HookScript, ...]]):
    """Read-only, ordered mapping event name → scripts, in the order the file lists the events.

    Event names are plain strings: unknown names are kept (with a warning) as CodeDeploy keeps them.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, tuple[HookScript, ...]] | None = None) -> None:
        self._items: dict[str, tuple[HookScript, ...]] = dict(items or {})

    def __getitem__(self, event: str) -> tuple[HookScript, ...]:
        return self._items[event]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return list(self.items()) == list(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"HookMap({self._items!r})"


@dataclass(frozen=True)
class FileMapping:
    """One ``files`` entry: copy ``source`` (relative to the revision) into ``destination``."""

    source: str
    destination: str
    key_path: str = field(default="", compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)

    def summary(self) -> dict[str, Any]:
        return {"source": self.source, "destination": self.destination}


@dataclass(frozen=True)
class AclEntry:
    """One ACL entry (``[d[efault]:][u[ser]|g[roup]|m[ask]|o[ther]:]name:perm``)."""

    default: bool
    kind: str  # user | group | mask | other
    name: str
    read: bool
    write: bool
    execute: bool

    @property
    def text(self) -> str:
        """The entry in setfacl's long form, e.g. ``user:bob:rw-`` or ``default:group:ops:r-x``."""
        perms = ("r" if self.read else "-") + ("w" if self.write else "-") + ("x" if self.execute else "-")
        return f"{'default:' if self.default else ''}{self.kind}:{self.name}:{perms}"


@dataclass(frozen=True)
class SELinuxRange:
    """An MLS range ``s#[-s#][:c#[.c#](,c#[.c#])*]``; categories are expanded, sorted and unique."""

    low: int = 0
    high: int = 0
    categories: tuple[int, ...] | None = None

    @property
    def text(self) -> str:
        """The range in canonical form (consecutive categories folded: ``s0-s1:c0.c2,c5``)."""
        result = f"s{self.low}" + (f"-s{self.high}" if self.high != self.low else "")
        if self.categories is None:
            return result
        parts: list[str] = []
        cats = self.categories
        index = 0
        while index < len(cats):
            start = index
            while index + 1 < len(cats) and cats[index + 1] == cats[index] + 1:
                index += 1
            parts.append(f"c{cats[start]}" if start == index else f"c{cats[start]}.c{cats[index]}")
            index += 1
        return f"{result}:{','.join(parts)}"


@dataclass(frozen=True)
class SELinuxContext:
    """A permission's SELinux context; ``range`` defaults to ``s0``."""

    type: str
    user: str | None = None
    range: SELinuxRange = field(default_factory=SELinuxRange)

    def summary(self) -> dict[str, Any]:
        return {"user": self.user, "type": self.type, "range": self.range.text}


@dataclass(frozen=True)
class Permission:
    """One ``permissions`` entry (Linux only)."""

    object: str
    pattern: str = DEFAULT_PATTERN
    except_patterns: tuple[str, ...] = ()
    types: tuple[str, ...] = OBJECT_TYPES
    owner: str | None = None
    group: str | None = None
    mode: str | None = None  # as written, left-padded to 3 digits: "644", "0755"
    acls: tuple[AclEntry, ...] | None = None
    context: SELinuxContext | None = None
    key_path: str = field(default="", compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "object": self.object,
            "pattern": self.pattern,
            "except": list(self.except_patterns),
            "type": list(self.types),
            "owner": self.owner,
            "group": self.group,
            "mode": self.mode,
            "acls": None if self.acls is None else [entry.text for entry in self.acls],
            "context": None if self.context is None else self.context.summary(),
        }


@dataclass(frozen=True)
class AppSpec:
    """An EC2/on-premises (``Server``) appspec."""

    version: float
    os: str
    files: tuple[FileMapping, ...] = ()
    permissions: tuple[Permission, ...] = ()
    hooks: HookMap = field(default_factory=HookMap)
    file_exists_behavior: FileExistsBehavior | None = None
    warnings: tuple[str, ...] = ()

    compute_platform: ClassVar[ComputePlatform] = ComputePlatform.SERVER

    def scripts_for(self, event: str) -> tuple[HookScript, ...]:
        """The scripts hooked to ``event`` (empty when none)."""
        return self.hooks.get(event, ())

    def summary(self) -> dict[str, Any]:
        """A normalized, JSON-able view (what ``deployq appspec validate`` prints)."""
        return {
            "compute_platform": self.compute_platform.value,
            "version": f"{self.version:.1f}",
            "os": self.os,
            "file_exists_behavior": None
            if self.file_exists_behavior is None
            else self.file_exists_behavior.value,
            "files": [mapping.summary() for mapping in self.files],
            "permissions": [permission.summary() for permission in self.permissions],
            "hooks": {
                event: [script.summary() for script in scripts] for event, scripts in self.hooks.items()
            },
            "warnings": list(self.warnings),
        }


# ----------------------------------------------------------------------------------------------------
# Lambda and ECS
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServerlessHook:
    """One ``Hooks`` entry of a Lambda/ECS appspec: the Lambda function run at ``event``."""

    event: str
    function: str
    key_path: str = field(default="", compare=False, repr=False)
    line: int = field(default=0, compare=False, repr=False)


@dataclass(frozen=True)
class LambdaFunction:
    name: str
    alias: str
    current_version: str
    target_version: str


@dataclass(frozen=True)
class LambdaAppSpec:
    """A Lambda appspec: one ``AWS::Lambda::Function`` resource and its traffic hooks."""

    version: float
    resource_name: str
    function: LambdaFunction
    hooks: tuple[ServerlessHook, ...] = ()
    warnings: tuple[str, ...] = ()

    compute_platform: ClassVar[ComputePlatform] = ComputePlatform.LAMBDA

    def summary(self) -> dict[str, Any]:
        return {
            "compute_platform": self.compute_platform.value,
            "version": f"{self.version:.1f}",
            "resource": {
                "name": self.resource_name,
                "type": "AWS::Lambda::Function",
                "function": self.function.name,
                "alias": self.function.alias,
                "current_version": self.function.current_version,
                "target_version": self.function.target_version,
            },
            "hooks": [{"event": hook.event, "function": hook.function} for hook in self.hooks],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True)
class AwsVpcConfiguration:
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...] = ()
    assign_public_ip: str | None = None  # ENABLED | DISABLED


@dataclass(frozen=True)
class CapacityProviderStrategyItem:
    capacity_provider: str
    base: int | None = None
    weight: int | None = None


@dataclass(frozen=True)
class EcsService:
    task_definition: str
    container_name: str
    container_port: int
    platform_version: str | None = None
    network_configuration: AwsVpcConfiguration | None = None
    capacity_provider_strategy: tuple[CapacityProviderStrategyItem, ...] | None = None


@dataclass(frozen=True)
class EcsAppSpec:
    """An ECS appspec: one ``AWS::ECS::Service`` resource and its hooks."""

    version: float
    resource_name: str
    service: EcsService
    hooks: tuple[ServerlessHook, ...] = ()
    warnings: tuple[str, ...] = ()

    compute_platform: ClassVar[ComputePlatform] = ComputePlatform.ECS

    def summary(self) -> dict[str, Any]:
        service = self.service
        network = service.network_configuration
        strategy = service.capacity_provider_strategy
        return {
            "compute_platform": self.compute_platform.value,
            "version": f"{self.version:.1f}",
            "resource": {
                "name": self.resource_name,
                "type": "AWS::ECS::Service",
                "task_definition": service.task_definition,
                "container_name": service.container_name,
                "container_port": service.container_port,
                "platform_version": service.platform_version,
                "network_configuration": None
                if network is None
                else {
                    "subnets": list(network.subnets),
                    "security_groups": list(network.security_groups),
                    "assign_public_ip": network.assign_public_ip,
                },
                "capacity_provider_strategy": None
                if strategy is None
                else [
                    {"capacity_provider": entry.capacity_provider, "base": entry.base, "weight": entry.weight}
                    for entry in strategy
                ],
            },
            "hooks": [{"event": hook.event, "function": hook.function} for hook in self.hooks],
            "warnings": list(self.warnings),
        }
