"""A fake host for the installer: an agent root, an install root and revisions built on the real disk."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from deployq.appspec import parse
from deployq.install import InstallResult, Layout, install


@dataclass(frozen=True)
class Link:
    """A symbolic link in a revision."""

    target: str


@dataclass(frozen=True)
class File:
    """A file in a revision with an explicit mode."""

    content: str
    mode: int = 0o644


@dataclass(frozen=True)
class Dir:
    """An (empty) directory in a revision."""


Entry = str | File | Link | Dir


def write_tree(base: Path, files: Mapping[str, Entry]) -> None:
    for relative, entry in files.items():
        path = base / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(entry, Dir):
            path.mkdir(exist_ok=True)
        elif isinstance(entry, Link):
            os.symlink(entry.target, path)
        elif isinstance(entry, File):
            path.write_text(entry.content)
            os.chmod(path, entry.mode)
        else:
            path.write_text(entry)
            os.chmod(path, 0o644)


def appspec_text(body: str) -> str:
    return "version: 0.0\nos: linux\n" + textwrap.dedent(body).lstrip("\n")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


@dataclass
class Host:
    layout: Layout
    root: Path
    dg: str = "dg-1"

    def path(self, absolute: str) -> str:
        """Where an absolute appspec path lands on this host."""
        return str(self.root) + absolute

    def archive(self, deployment_id: str, files: Mapping[str, Entry], appspec: str) -> Path:
        archive = self.layout.archive_dir(self.dg, deployment_id)
        archive.mkdir(parents=True)
        write_tree(archive, files)
        (archive / "appspec.yml").write_text(appspec)
        return archive

    def deploy(self, deployment_id: str, files: Mapping[str, Entry], body: str, **options: Any) -> InstallResult:
        text = appspec_text(body)
        archive = self.archive(deployment_id, files, text)
        return install(parse(text), archive, self.layout, self.dg, deployment_id, install_root=self.root, **options)

    @property
    def cleanup_file(self) -> Path:
        return self.layout.cleanup_file(self.dg)

    def cleanup_lines(self) -> list[str]:
        return self.cleanup_file.read_text().splitlines()

    def snapshot(self) -> dict[str, str]:
        """Everything below the install root and the group's instruction files, for before/after checks."""
        result: dict[str, str] = {}
        for base in (self.root, self.layout.instructions_dir):
            if not base.exists():
                continue
            for directory, dirnames, filenames in os.walk(base):
                for name in dirnames + filenames:
                    path = Path(directory, name)
                    info = path.lstat()
                    if path.is_symlink():
                        kind = f"link:{os.readlink(path)}"
                    elif path.is_dir():
                        kind = "dir"
                    else:
                        kind = "file:" + path.read_bytes().decode(errors="replace")
                    result[str(path)] = f"{kind}:{oct(info.st_mode)}"
        return result


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(Layout(tmp_path / "agent"), tmp_path / "host")
