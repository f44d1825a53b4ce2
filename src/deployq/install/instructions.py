"""Install instructions and their generator (§3.2–§3.4 of the reference).

:func:`plan_install` turns a parsed appspec and an unpacked revision into an :class:`InstallPlan`: the
ordered copy / mkdir / chmod / setfacl / semanage / chown instructions, in the JSON form the agents write
to ``<dg-id>-install.json``. It writes nothing: it reads the revision directory and asks a
:class:`~deployq.install.view.FilesystemView` about destinations, so every conflict (DISALLOW, two copies
to one target, a bad file permission, a missing source) is found before the host is touched. No Celery,
SQL, Redis or HTTP here.

Behaviour is agent v1's (``installer.rb``, ``install_instruction.rb``), with these decisions:

* Destinations and permission objects must be absolute; with ``install_root`` they are mapped below it
  (``/var/www`` → ``<install_root>/var/www``) and missing ancestors are created up to it, never above.
  A relative path is an error (v1 resolves it against the agent's working directory).
* A source may not climb out of the revision with ``..``; a missing source is an error here (v1 fails
  half-way through the copy with ``No such file or directory``).
* Symbolic links in the revision are copied as links, never followed, even when they point at a directory
  or are the ``source`` itself (v1 follows a link to a directory and copies its contents). Links get no
  permissions: ``chmod``/``chown``/``setfacl`` would act on what they point at.
* A permission whose object is a file copied by this install applies only when ``type`` includes
  ``file`` (§3.4; v1 applies it whatever ``type`` says).
* Bundle directories are walked in sorted order (v1: ``Dir.entries`` order), so plans are reproducible.
* A destination (or an ancestor) that exists and is not a directory where a directory is needed, and an
  OVERWRITE of a directory by a file, are errors here (v1 fails during the copy).
* RETAIN keeps v1's behaviour: the existing file is neither copied, recorded for cleanup, nor given
  permissions (the docs claim retained files become part of the deployment; the agent does not do that).
* The effective file_exists_behavior is validated up front, not only when a conflict happens.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deployq.appspec import AppSpec, Permission, check_file_permission
from deployq.appspec.messages import DEFAULT_ACL_ON_FILE
from deployq.domain.enums import FileExistsBehavior
from deployq.errors import AppSpecError
from deployq.install import messages
from deployq.install.errors import InstallError
from deployq.install.view import AfterCleanupView, DiskView, FilesystemView

# ----------------------------------------------------------------------------------------------------
# instructions
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Copy:
    """Copy ``source`` (in the revision) to ``destination``; symlinks are recreated as symlinks."""

    source: str
    destination: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "copy", "source": self.source, "destination": self.destination}


@dataclass(frozen=True)
class Mkdir:
    """Create ``directory`` (its parent exists by then)."""

    directory: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "mkdir", "directory": self.directory}


@dataclass(frozen=True)
class Chmod:
    """``chmod <mode> <file>``; ``mode`` is the appspec's octal text (``"644"``, ``"0755"``)."""

    mode: str
    file: str
    key_path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    filename: str = field(default="appspec.yml", compare=False)

    @property
    def bits(self) -> int:
        return int(self.mode, 8)

    def to_json(self) -> dict[str, Any]:
        return {"type": "chmod", "mode": self.mode, "file": self.file}


@dataclass(frozen=True)
class SetFacl:
    """``setfacl --set <base entries from the mode>,<acl> <file>``; ``acl`` in setfacl's long form."""

    acl: tuple[str, ...]
    file: str
    key_path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    filename: str = field(default="appspec.yml", compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"type": "setfacl", "acl": list(self.acl), "file": self.file}


@dataclass(frozen=True)
class Semanage:
    """``semanage fcontext -a [-s user] -t type -r range <realpath>`` then ``restorecon -vF <realpath>``."""

    type: str
    file: str
    user: str | None = None
    range: str = "s0"
    key_path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    filename: str = field(default="appspec.yml", compare=False)

    def to_json(self) -> dict[str, Any]:
        context = {"user": self.user, "role": None, "type": self.type, "range": self.range}
        return {"type": "semanage", "context": context, "file": self.file}


@dataclass(frozen=True)
class Chown:
    """``chown [owner][:group] <file>`` (names or numeric ids)."""

    owner: str | None
    group: str | None
    file: str
    key_path: str = field(default="", compare=False)
    line: int = field(default=0, compare=False)
    filename: str = field(default="appspec.yml", compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"type": "chown", "owner": self.owner, "group": self.group, "file": self.file}


Instruction = Copy | Mkdir | Chmod | SetFacl | Semanage | Chown


def instruction_from_json(data: Mapping[str, Any]) -> Instruction:
    """One entry of ``{"instructions": [...]}`` back to its dataclass."""
    kind = data.get("type")
    if kind == "copy":
        return Copy(str(data["source"]), str(data["destination"]))
    if kind == "mkdir":
        return Mkdir(str(data["directory"]))
    if kind == "chmod":
        return Chmod(str(data["mode"]), str(data["file"]))
    if kind == "setfacl":
        return SetFacl(tuple(str(entry) for entry in data["acl"]), str(data["file"]))
    if kind == "semanage":
        context = data["context"]
        if context.get("role") is not None:
            raise InstallError(
                messages.PREFIX + "the application specification file specifies a role, but roles are not "
                "supported. Remove the role from the AppSpec file, and then try again."
            )
        return Semanage(str(context["type"]), str(data["file"]), context.get("user"), str(context.get("range") or "s0"))
    if kind == "chown":
        return Chown(data.get("owner"), data.get("group"), str(data["file"]))
    raise InstallError(f"Unknown command: {dict(data)}")


@dataclass(frozen=True)
class InstallPlan:
    """The instructions of one install, in execution order, and what the planner decided on the way."""

    instructions: tuple[Instruction, ...]
    file_exists_behavior: FileExistsBehavior
    install_root: str | None = None
    #: existing files OVERWRITE replaces / RETAIN leaves alone (after the previous cleanup)
    overwritten: tuple[str, ...] = ()
    retained: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """``{"instructions": [...]}`` as written to ``<dg-id>-install.json``."""
        return {"instructions": [instruction.to_json() for instruction in self.instructions]}

    @property
    def copies(self) -> tuple[Copy, ...]:
        return tuple(i for i in self.instructions if isinstance(i, Copy))

    @property
    def mkdirs(self) -> tuple[Mkdir, ...]:
        return tuple(i for i in self.instructions if isinstance(i, Mkdir))


# ----------------------------------------------------------------------------------------------------
# pure helpers
# ----------------------------------------------------------------------------------------------------


def resolve_file_exists_behavior(
    appspec_value: FileExistsBehavior | None, override: FileExistsBehavior | str | None
) -> FileExistsBehavior:
    """appspec ``file_exists_behavior`` > the deployment's ``fileExistsBehavior`` > DISALLOW."""
    chosen: FileExistsBehavior | str = appspec_value or override or FileExistsBehavior.DISALLOW
    try:
        return FileExistsBehavior(chosen)
    except ValueError:
        raise InstallError(messages.invalid_file_exists_behavior(str(chosen))) from None


def map_path(path: str, install_root: str | None) -> str | None:
    """An absolute appspec path, normalized and mapped below ``install_root``; None when relative."""
    if not path.startswith("/"):
        return None
    normalized = os.path.normpath("/" + path.lstrip("/"))
    if install_root is None:
        return normalized
    return install_root if normalized == "/" else install_root + normalized


def simple_glob(pattern: str) -> re.Pattern[str]:
    """The agent's glob: ``*`` is any run of characters (``/`` excluded); everything else is literal."""
    return re.compile("[^/]*".join(re.escape(part) for part in pattern.split("*")))


def _relative_child(name: str, base: str) -> str | None:
    prefix = base if base.endswith("/") else base + "/"
    return name[len(prefix) :] if name.startswith(prefix) else None


def matches_pattern(name: str, base: str, pattern: str) -> bool:
    """``name`` is below ``base`` and matches: ``**`` any depth, other patterns immediate children only."""
    relative = _relative_child(name.rstrip("/"), base)
    if not relative:
        return False
    if pattern == "**":
        return True
    return "/" not in relative and simple_glob(pattern).fullmatch(relative) is not None


def matches_except(name: str, base: str, excepts: tuple[str, ...]) -> bool:
    relative = _relative_child(name.rstrip("/"), base)
    if not relative or "/" in relative:
        return False
    return any(simple_glob(pattern).fullmatch(relative) is not None for pattern in excepts)


# ----------------------------------------------------------------------------------------------------
# the generator
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Where:
    filename: str
    key_path: str = ""
    line: int = 0

    def error(self, reason: str, key: str | None = None) -> InstallError:
        key_path = f"{self.key_path}.{key}" if key and self.key_path else self.key_path
        return InstallError(reason, filename=self.filename, key_path=key_path, line=self.line)


class _Builder:
    """The agent's ``CommandBuilder``: instructions plus the copy/mkdir/permission target bookkeeping."""

    def __init__(self) -> None:
        self.instructions: list[Instruction] = []
        self.copy_targets: dict[str, str] = {}  # destination -> source, in insertion order
        self.mkdir_targets: dict[str, None] = {}  # an ordered set
        self.permission_targets: set[str] = set()
        self.symlinks: set[str] = set()

    def copy(self, source: str, destination: str, where: _Where, *, symlink: bool) -> None:
        if destination in self.copy_targets:
            raise where.error(messages.duplicate_copy_target(source, self.copy_targets[destination], destination))
        if destination in self.mkdir_targets:
            raise where.error(messages.copy_onto_mkdir(source, destination))
        self.instructions.append(Copy(source, destination))
        self.copy_targets[destination] = source
        if symlink:
            self.symlinks.add(destination)

    def mkdir(self, directory: str, where: _Where) -> None:
        if directory in self.copy_targets:
            raise where.error(messages.mkdir_onto_copy(directory, self.copy_targets[directory]))
        if directory not in self.mkdir_targets:
            self.instructions.append(Mkdir(directory))
            self.mkdir_targets[directory] = None

    def set_permissions(self, target: str, permission: Permission, where: _Where) -> None:
        if target in self.permission_targets:
            raise where.error(messages.duplicate_permission(target))
        self.permission_targets.add(target)
        key_path, line, filename = permission.key_path, permission.line, where.filename
        if permission.mode is not None:
            self.instructions.append(Chmod(permission.mode, target, key_path, line, filename))
        if permission.acls is not None:
            acl = tuple(entry.text for entry in permission.acls)
            self.instructions.append(SetFacl(acl, target, key_path, line, filename))
        if permission.context is not None:
            context = permission.context
            self.instructions.append(
                Semanage(context.type, target, context.user, context.range.text, key_path, line, filename)
            )
        if permission.owner is not None or permission.group is not None:
            self.instructions.append(Chown(permission.owner, permission.group, target, key_path, line, filename))


class _Planner:
    def __init__(
        self,
        archive: str,
        behavior: FileExistsBehavior,
        install_root: str | None,
        view: FilesystemView,
        filename: str,
    ) -> None:
        self.archive = archive
        self.behavior = behavior
        self.install_root = install_root
        self.view = view
        self.filename = filename
        self.builder = _Builder()
        self.overwritten: list[str] = []
        self.retained: list[str] = []

    # -- files ------------------------------------------------------------------------------------

    def source_path(self, source: str, where: _Where) -> str:
        relative = os.path.normpath(source.lstrip("/")) if source.strip("/") else "."
        if relative == ".." or relative.startswith("../"):
            raise where.error(messages.source_escapes_archive(source), "source")
        path = self.archive if relative == "." else os.path.join(self.archive, relative)
        real_archive = os.path.realpath(self.archive)
        real_parent = os.path.realpath(os.path.dirname(path)) if path != self.archive else real_archive
        if real_parent != real_archive and not real_parent.startswith(real_archive + "/"):
            raise where.error(messages.source_escapes_archive(source), "source")  # through a symlink
        if not os.path.lexists(path):
            raise where.error(messages.missing_source(source, path), "source")
        return path

    def at_boundary(self, directory: str) -> bool:
        """``/``, the install root, or above it: never created, never recorded."""
        root = self.install_root
        return directory == "/" or (root is not None and not directory.startswith(root + "/"))

    def fill_in_missing_ancestors(self, destination: str, where: _Where) -> None:
        missing: list[str] = []
        parent = os.path.dirname(destination)
        while not self.at_boundary(parent):
            if self.view.exists(parent):
                if not self.view.is_dir(parent):
                    raise where.error(messages.not_a_directory(parent, destination), "destination")
                break
            missing.insert(0, parent)
            parent = os.path.dirname(parent)
        for directory in missing:
            self.builder.mkdir(directory, where)

    def directory_copy(self, source: str, destination: str, where: _Where) -> None:
        if not self.at_boundary(destination) and not self.view.is_dir(destination):
            if self.view.exists(destination):
                raise where.error(messages.not_a_directory(destination, destination), "destination")
            self.builder.mkdir(destination, where)
        for name in sorted(os.listdir(source)):
            entry_source = os.path.join(source, name)
            entry_destination = os.path.join(destination, name)
            if os.path.isdir(entry_source) and not os.path.islink(entry_source):
                self.directory_copy(entry_source, entry_destination, where)
            else:
                self.normal_copy(entry_source, entry_destination, where)

    def normal_copy(self, source: str, destination: str, where: _Where) -> None:
        symlink = os.path.islink(source)
        if not symlink and not os.path.isfile(source):
            raise where.error(messages.unsupported_source_type(source), "source")
        if self.view.exists(destination):
            if self.behavior is FileExistsBehavior.DISALLOW:
                raise where.error(messages.file_already_exists(destination))
            if self.behavior is FileExistsBehavior.RETAIN:
                self.retained.append(destination)
                return
            if self.view.is_dir(destination) and not self.view.is_symlink(destination):
                raise where.error(messages.overwrite_directory(destination), "destination")
            self.overwritten.append(destination)
        self.builder.copy(source, destination, where, symlink=symlink)

    def files(self, appspec: AppSpec) -> None:
        for mapping in appspec.files:
            where = _Where(self.filename, mapping.key_path, mapping.line)
            destination = map_path(mapping.destination, self.install_root)
            if destination is None:
                raise where.error(messages.relative_path("destination", mapping.destination), "destination")
            source = self.source_path(mapping.source, where)
            if os.path.isdir(source) and not os.path.islink(source):
                self.fill_in_missing_ancestors(destination, where)
                self.directory_copy(source, destination, where)
            else:
                file_destination = os.path.join(destination, os.path.basename(source))
                self.fill_in_missing_ancestors(file_destination, where)
                self.normal_copy(source, file_destination, where)

    # -- permissions ------------------------------------------------------------------------------

    def check_file_permission(self, permission: Permission) -> None:
        try:
            check_file_permission(permission, filename=self.filename)
        except AppSpecError as error:
            raise InstallError(error.reason, filename=error.path, key_path=error.key_path, line=error.line) from None

    def find_matches(self, permission: Permission, base: str, where: _Where) -> list[str]:
        builder = self.builder
        matches: list[str] = []

        def selected(name: str) -> bool:
            return matches_pattern(name, base, permission.pattern) and not matches_except(
                name, base, permission.except_patterns
            )

        if "file" in permission.types:
            for target in builder.copy_targets:
                if target in builder.symlinks or not selected(target):
                    continue
                if permission.acls and any(entry.default for entry in permission.acls):
                    raise where.error(DEFAULT_ACL_ON_FILE, "acls")
                matches.append(target)
        if "directory" in permission.types:
            matches.extend(target for target in builder.mkdir_targets if selected(target))
        return matches

    def permissions(self, appspec: AppSpec) -> None:
        builder = self.builder
        for permission in appspec.permissions:
            where = _Where(self.filename, permission.key_path, permission.line)
            target = map_path(permission.object, self.install_root)
            if target is None:
                raise where.error(messages.relative_path("permission object", permission.object), "object")
            if target in builder.copy_targets:
                if "file" not in permission.types:
                    continue
                self.check_file_permission(permission)
                if target not in builder.symlinks:
                    builder.set_permissions(target, permission, where)
            elif target in builder.mkdir_targets or self.view.is_dir(target):
                for match in self.find_matches(permission, target, where):
                    builder.set_permissions(match, permission, where)


def plan_install(
    appspec: AppSpec,
    archive_dir: Path | str,
    *,
    file_exists_behavior_override: FileExistsBehavior | str | None = None,
    install_root: Path | str | None = None,
    existing: FilesystemView | None = None,
    removed_by_cleanup: Set[str] = frozenset(),
    appspec_filename: str = "appspec.yml",
) -> InstallPlan:
    """Generate the install instructions for ``appspec`` and the revision unpacked at ``archive_dir``.

    ``existing`` answers questions about destination paths (default: the real disk);
    ``removed_by_cleanup`` are the paths the previous revision's cleanup will remove, treated as absent.
    Raises :class:`~deployq.install.errors.InstallError` with CodeDeploy's text and the appspec entry.
    """
    behavior = resolve_file_exists_behavior(appspec.file_exists_behavior, file_exists_behavior_override)
    root = None if install_root is None else os.path.normpath(os.path.abspath(install_root))
    if root == "/":
        root = None
    view = AfterCleanupView(existing if existing is not None else DiskView(), removed_by_cleanup)
    planner = _Planner(os.path.abspath(archive_dir), behavior, root, view, appspec_filename)
    planner.files(appspec)
    planner.permissions(appspec)
    return InstallPlan(
        instructions=tuple(planner.builder.instructions),
        file_exists_behavior=behavior,
        install_root=root,
        overwritten=tuple(planner.overwritten),
        retained=tuple(planner.retained),
    )
