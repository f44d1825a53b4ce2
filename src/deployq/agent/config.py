"""What one agent process serves: one or more host names, each with its own queue, root and install root."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from deployq.errors import ConfigurationError
from deployq.workers.queues import host_queue


@dataclass(frozen=True)
class HostConfig:
    name: str
    #: The deployment root of §6 (deployment dirs, instructions, logs, ongoing-deployment).
    root: Path
    #: When set, every absolute appspec destination is installed under this prefix.
    install_root: Path | None = None

    @property
    def queue(self) -> str:
        return host_queue(self.name)


@dataclass(frozen=True)
class AgentConfig:
    hosts: Mapping[str, HostConfig]
    tags: Mapping[str, str] = field(default_factory=dict)
    heartbeat_interval: float = 5.0
    max_revisions: int = 5
    kill_grace: float = 5.0
    s3_endpoint_url: str | None = None
    git_base_url: str = "https://github.com"

    @classmethod
    def build(
        cls,
        names: Sequence[str],
        root: Path,
        install_root: Path | None = None,
        **options: object,
    ) -> AgentConfig:
        """One name uses ``root`` and ``install_root`` as given; several names get a sub-directory
        of each, named after the host, so that simulated hosts on one machine never share files."""
        if not names:
            raise ConfigurationError("the agent needs at least one --name")
        if len(set(names)) != len(names):
            raise ConfigurationError(f"--name given twice: {', '.join(sorted(n for n in names if names.count(n) > 1))}")
        hosts = {}
        for name in names:
            host_queue(name)  # checks the name
            several = len(names) > 1
            hosts[name] = HostConfig(
                name=name,
                root=(root / name if several else root).resolve(),
                install_root=None
                if install_root is None
                else (install_root / name if several else install_root).resolve(),
            )
        return cls(hosts=hosts, **options)  # type: ignore[arg-type]

    def host(self, name: str) -> HostConfig:
        try:
            return self.hosts[name]
        except KeyError:
            raise ConfigurationError(
                f"this agent does not serve host {name!r} (it serves {', '.join(self.hosts)})"
            ) from None

    @property
    def queues(self) -> list[str]:
        return [host.queue for host in self.hosts.values()]


def parse_tags(pairs: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE`` pairs (``KEY`` alone is a tag with an empty value)."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not key.strip():
            raise ConfigurationError(f"--tag {pair!r}: expected KEY=VALUE")
        tags[key.strip()] = value.strip()
    return tags
