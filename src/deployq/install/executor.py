"""Carrying out an :class:`~deployq.install.instructions.InstallPlan` on the host.

:func:`preflight` checks, without changing anything, what only the host can tell: the ``setfacl``,
``semanage`` and ``restorecon`` binaries a plan needs are on PATH, and the users and groups it names
exist. :func:`execute` then, in this order:

1. writes ``<dg-id>-install.json`` (``{"instructions": [...]}``);
2. runs the instructions in order, recording every copy/mkdir destination (and ``semanage\\0<path>``)
   in ``<dg-id>-cleanup.new`` *before* acting on it, flushed line by line;
3. always — also when an instruction fails, so that a partial install is cleaned up next time — fsyncs
   the new file and renames it over ``<dg-id>-cleanup`` (the previous one was replayed before);
4. on success writes ``<dg-id>_last_successful_install`` = the deployment directory.

Copies keep mode and times (as ``shutil.copy2``, but without extended attributes, so SELinux labels come
from the destination as with the agent), and the owner when running as root; symlinks are recreated as
symlinks. New files are created exclusively (``O_EXCL|O_NOFOLLOW``); a copy onto an existing path
(OVERWRITE) goes through a temporary file and a rename, so the old file is replaced whole and a symlink
there is replaced, never written through. ``chmod`` takes the
appspec's octal text; ``setfacl --set`` gets the base entries (``user::``, ``group::``, ``other::``)
synthesized from the file's current mode, as agent v2 does; SELinux contexts go through ``semanage
fcontext -a`` and ``restorecon -vF`` on the real path. After a ``chown`` (which clears set-user/group-ID
bits), a mode with those bits is applied again.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import shlex
import shutil
import stat
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from deployq.install import messages
from deployq.install.cleanup import CleanupEntry, CleanupWriter
from deployq.install.errors import InstallError
from deployq.install.instructions import Chmod, Chown, Copy, InstallPlan, Instruction, Mkdir, Semanage, SetFacl
from deployq.install.layout import Layout

Which = Callable[[str], str | None]

# ----------------------------------------------------------------------------------------------------
# host look-ups
# ----------------------------------------------------------------------------------------------------


def lookup_uid(name: str) -> int | None:
    """The uid of a user name, or of a numeric id; None when there is no such user."""
    try:
        return pwd.getpwnam(name).pw_uid
    except KeyError:
        return int(name) if name.isdigit() else None


def lookup_gid(name: str) -> int | None:
    """The gid of a group name, or of a numeric id; None when there is no such group."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return int(name) if name.isdigit() else None


def _acl_names(acl: Sequence[str]) -> list[tuple[str, str]]:
    """(kind, name) of the named user/group entries of a long-form ACL (``default:user:bob:rw-``)."""
    result: list[tuple[str, str]] = []
    for entry in acl:
        parts = entry.split(":")
        if parts[0] == "default":
            parts = parts[1:]
        if len(parts) == 3 and parts[0] in ("user", "group") and parts[1]:
            result.append((parts[0], parts[1]))
    return result


def _fail(instruction: Chmod | SetFacl | Semanage | Chown, reason: str, key: str) -> InstallError:
    """An error naming the permissions entry behind ``instruction`` (key path and line)."""
    key_path = f"{instruction.key_path}.{key}" if instruction.key_path else None
    filename = instruction.filename if instruction.key_path else None
    return InstallError(reason, filename=filename, key_path=key_path, line=instruction.line)


def preflight(plan: InstallPlan, *, which: Which = shutil.which) -> None:
    """Fail before anything is touched when the host cannot carry out ``plan``.

    Each missing tool, user or group is reported with the permissions entry (key path, line) that needs it.
    """
    for instruction in plan.instructions:
        if isinstance(instruction, SetFacl):
            if which("setfacl") is None:
                raise _fail(instruction, messages.tool_missing("setfacl", "sets acls", "the acl package"), "acls")
            for kind, name in _acl_names(instruction.acl):
                if (lookup_uid if kind == "user" else lookup_gid)(name) is None:
                    raise _fail(instruction, messages.unknown_acl_name(kind, name), "acls")
        elif isinstance(instruction, Semanage):
            for tool, package in (("semanage", "policycoreutils-python-utils"), ("restorecon", "policycoreutils")):
                if which(tool) is None:
                    purpose = "sets an SELinux context"
                    raise _fail(instruction, messages.tool_missing(tool, purpose, package), "context")
        elif isinstance(instruction, Chown):
            if instruction.owner is not None and lookup_uid(instruction.owner) is None:
                raise _fail(instruction, messages.unknown_user(instruction.owner), "owner")
            if instruction.group is not None and lookup_gid(instruction.group) is None:
                raise _fail(instruction, messages.unknown_group(instruction.group), "group")


# ----------------------------------------------------------------------------------------------------
# instructions
# ----------------------------------------------------------------------------------------------------


def _io_error(what: str, error: OSError) -> InstallError:
    return InstallError(messages.PREFIX + f"{what}: {error.strerror or error}")


def _temporary_name(destination: str) -> str:
    directory, name = os.path.split(destination)
    return os.path.join(directory, f".{name}.deployq-{os.getpid()}-{secrets.token_hex(4)}")


def _copy(instruction: Copy) -> None:
    """Copy one file or recreate one symlink; the new file is created exclusively (never written through a
    symlink) and gets the source's mode, times and — as root — owner. Extended attributes are not copied, so
    the SELinux label comes from the destination directory, as with the agent's copy."""
    source, destination = instruction.source, instruction.destination
    replacing = os.path.lexists(destination)
    target = _temporary_name(destination) if replacing else destination
    try:
        info = os.lstat(source)
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(source), target)
            if os.geteuid() == 0:
                os.chown(target, info.st_uid, info.st_gid, follow_symlinks=False)
        else:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            with open(source, "rb") as reader, os.fdopen(os.open(target, flags, 0o600), "wb") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
            if os.geteuid() == 0:
                os.chown(target, info.st_uid, info.st_gid)
            os.chmod(target, stat.S_IMODE(info.st_mode))  # after chown, which clears set-user/group-ID bits
            os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
        if replacing:
            os.replace(target, destination)
    except OSError as error:
        if replacing and os.path.lexists(target):
            os.unlink(target)
        raise _io_error(f"{source} could not be copied to {destination}", error) from error


def _mkdir(instruction: Mkdir) -> None:
    directory = instruction.directory
    try:
        os.mkdir(directory)
    except OSError as error:
        if isinstance(error, FileExistsError) and os.path.isdir(directory):
            return  # appeared since planning (e.g. a directory the cleanup could not remove): adopt it
        raise _io_error(f"the directory {directory} could not be created", error) from error


def _perms(bits: int) -> str:
    return ("r" if bits & 4 else "-") + ("w" if bits & 2 else "-") + ("x" if bits & 1 else "-")


def base_acl(mode: int) -> str:
    """The base ACL entries of a file mode: ``user::rwx,group::r-x,other::r-x``."""
    return f"user::{_perms(mode >> 6)},group::{_perms(mode >> 3)},other::{_perms(mode)}"


def _run(command: list[str]) -> int:
    completed = subprocess.run(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    return completed.returncode


def _tool(name: str, which: Which) -> str:
    path = which(name)
    if path is None:  # preflight checks this; the PATH may have changed since
        raise InstallError(messages.PREFIX + f"{name} is not installed on this instance (not found on PATH)")
    return path


def _setfacl(instruction: SetFacl, which: Which) -> None:
    mode = stat.S_IMODE(os.stat(instruction.file).st_mode)
    acl = ",".join([base_acl(mode), *instruction.acl])
    command = [_tool("setfacl", which), "--set", acl, instruction.file]
    code = _run(command)
    if code != 0:
        shown = shlex.join(["setfacl", *command[1:]])
        raise _fail(instruction, messages.setfacl_failed(instruction.file, shown, code), "acls")


def _semanage(instruction: Semanage, writer: CleanupWriter, which: Which) -> None:
    real = os.path.realpath(instruction.file)
    args = ["-a"]
    if instruction.user:
        args += ["-s", instruction.user]
    args += ["-t", instruction.type, "-r", instruction.range, real]
    for command in ([_tool("semanage", which), "fcontext", *args], [_tool("restorecon", which), "-vF", real]):
        code = _run(command)
        if code != 0:
            shown = shlex.join([os.path.basename(command[0]), *command[1:]])
            raise _fail(instruction, messages.semanage_failed(shown, code), "context")
        if command[1] == "fcontext":
            # recorded once added, not before: a failed "-a" (a rule already there) must not make the next
            # cleanup delete a rule this install did not add
            writer.record(CleanupEntry(real, selinux=True))


def _chown(instruction: Chown, modes: dict[str, int]) -> None:
    uid = -1 if instruction.owner is None else lookup_uid(instruction.owner)
    gid = -1 if instruction.group is None else lookup_gid(instruction.group)
    if uid is None:
        raise _fail(instruction, messages.unknown_user(str(instruction.owner)), "owner")
    if gid is None:
        raise _fail(instruction, messages.unknown_group(str(instruction.group)), "group")
    try:
        os.chown(instruction.file, uid, gid)
        mode = modes.get(instruction.file)
        if mode is not None and mode & (stat.S_ISUID | stat.S_ISGID):
            os.chmod(instruction.file, mode)
    except OSError as error:
        raise _io_error(f"the owner of {instruction.file} could not be changed", error) from error


def run_instruction(instruction: Instruction, writer: CleanupWriter, modes: dict[str, int], which: Which) -> None:
    """Carry out one instruction, recording what it creates in ``writer`` first."""
    try:
        _run_instruction(instruction, writer, modes, which)
    except OSError as error:
        raise _io_error(f"{instruction.to_json()} failed", error) from error


def _run_instruction(instruction: Instruction, writer: CleanupWriter, modes: dict[str, int], which: Which) -> None:
    if isinstance(instruction, Copy):
        writer.record(CleanupEntry(instruction.destination))
        _copy(instruction)
    elif isinstance(instruction, Mkdir):
        writer.record(CleanupEntry(instruction.directory))
        _mkdir(instruction)
    elif isinstance(instruction, Chmod):
        try:
            os.chmod(instruction.file, instruction.bits)
        except OSError as error:
            raise _io_error(f"the mode of {instruction.file} could not be changed", error) from error
        modes[instruction.file] = instruction.bits
    elif isinstance(instruction, SetFacl):
        _setfacl(instruction, which)
    elif isinstance(instruction, Semanage):
        _semanage(instruction, writer, which)
    else:
        _chown(instruction, modes)


# ----------------------------------------------------------------------------------------------------
# the whole step
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExecutionResult:
    install_file: Path
    cleanup_file: Path
    last_successful_install_file: Path
    instructions_run: int


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def execute(
    plan: InstallPlan,
    layout: Layout,
    deployment_group_id: str,
    deployment_id: str,
    *,
    which: Which = shutil.which,
) -> ExecutionResult:
    """Run ``plan``; the previous cleanup file must have been replayed already."""
    install_file = layout.install_file(deployment_group_id)
    cleanup_file = layout.cleanup_file(deployment_group_id)
    last_successful = layout.last_successful_install_file(deployment_group_id)
    deployment_dir = layout.deployment_dir(deployment_group_id, deployment_id)
    try:
        _write_atomically(install_file, json.dumps(plan.to_json(), indent=2).encode() + b"\n")
        if plan.install_root is not None:
            os.makedirs(plan.install_root, exist_ok=True)
        writer = CleanupWriter(layout.new_cleanup_file(deployment_group_id))
    except OSError as error:
        raise _io_error(f"the install instructions could not be written to {install_file.parent}", error) from error
    modes: dict[str, int] = {}
    count = 0
    try:
        for instruction in plan.instructions:
            run_instruction(instruction, writer, modes, which)
            count += 1
    finally:
        writer.commit(cleanup_file)
    try:
        _write_atomically(last_successful, os.fsencode(str(deployment_dir)))
    except OSError as error:
        raise _io_error(f"{last_successful} could not be written", error) from error
    return ExecutionResult(install_file, cleanup_file, last_successful, count)
