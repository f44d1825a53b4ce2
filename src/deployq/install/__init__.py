"""``deployq.install``: the Install lifecycle step (§3 of the reference), as CodeDeploy's agent runs it,
with one deliberate improvement — **plan first, then remove**.

The agent replays the previous revision's cleanup file first and only then generates the instructions,
so a DISALLOW conflict, a duplicate destination, a bad permission or a missing source leaves the host
with *neither* revision installed. :func:`install` instead:

1. reads the previous cleanup file (plus a ``-cleanup.new`` left by a crashed install) and computes the
   paths its replay will remove (:func:`~deployq.install.cleanup.predict_removals`);
2. generates and checks every instruction against the filesystem *as it will be* after that replay
   (:func:`~deployq.install.instructions.plan_install`): a file the previous revision installed is not a
   DISALLOW conflict, a foreign file is; every copy source must exist in the revision;
3. checks the host (:func:`~deployq.install.executor.preflight`): ``setfacl``/``semanage``/``restorecon``
   present when needed, users and groups known;
4. only then replays the previous cleanup (reverse order; files and symlinks removed, directories only
   when empty, missing paths ignored, ``semanage`` rules deleted);
5. executes the plan (:func:`~deployq.install.executor.execute`): ``<dg-id>-install.json``, the
   instructions, the new cleanup file (written ahead, renamed into place), ``<dg-id>_last_successful_install``.

A failure in 1–3 changes nothing on the host: the previous revision stays installed and its cleanup file
unchanged. ``install_root`` maps every absolute appspec path below a prefix (``/var/www`` →
``<install_root>/var/www``) for tests and for agents simulating several hosts on one machine; relative
destinations are refused (the agent resolves them against its working directory). Other decisions are
listed in :mod:`deployq.install.instructions` and :mod:`deployq.install.executor`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from deployq.appspec import AppSpec
from deployq.domain.enums import FileExistsBehavior
from deployq.install.cleanup import (
    CleanupEntry,
    CleanupWriter,
    ReplayResult,
    parse_cleanup,
    predict_removals,
    read_cleanup,
    replay,
)
from deployq.install.errors import InstallError
from deployq.install.executor import ExecutionResult, Which, execute, preflight
from deployq.install.instructions import (
    Chmod,
    Chown,
    Copy,
    InstallPlan,
    Instruction,
    Mkdir,
    Semanage,
    SetFacl,
    instruction_from_json,
    plan_install,
    resolve_file_exists_behavior,
)
from deployq.install.layout import Layout
from deployq.install.view import AfterCleanupView, DiskView, FilesystemView

__all__ = [
    "AfterCleanupView",
    "Chmod",
    "Chown",
    "CleanupEntry",
    "CleanupWriter",
    "Copy",
    "DiskView",
    "ExecutionResult",
    "FilesystemView",
    "InstallError",
    "InstallPlan",
    "InstallResult",
    "Instruction",
    "Layout",
    "Mkdir",
    "ReplayResult",
    "Semanage",
    "SetFacl",
    "execute",
    "install",
    "instruction_from_json",
    "parse_cleanup",
    "plan_install",
    "predict_removals",
    "preflight",
    "previous_cleanup",
    "read_cleanup",
    "replay",
    "replay_cleanup",
    "resolve_file_exists_behavior",
]


@dataclass(frozen=True)
class InstallResult:
    """What :func:`install` did."""

    plan: InstallPlan
    replayed: ReplayResult
    execution: ExecutionResult


def previous_cleanup(layout: Layout, deployment_group_id: str) -> list[CleanupEntry]:
    """The entries still to be replayed for a group: its cleanup file, then a ``-cleanup.new`` that a
    crashed install left behind (it records what that install created)."""
    return read_cleanup(layout.cleanup_file(deployment_group_id)) + read_cleanup(
        layout.new_cleanup_file(deployment_group_id)
    )


def replay_cleanup(layout: Layout, deployment_group_id: str, *, which: Which = shutil.which) -> ReplayResult:
    """Replay and delete the group's cleanup file(s), as the agent does at the start of Install."""
    result = replay(previous_cleanup(layout, deployment_group_id), which=which)
    for path in (layout.cleanup_file(deployment_group_id), layout.new_cleanup_file(deployment_group_id)):
        path.unlink(missing_ok=True)
    return result


def install(
    appspec: AppSpec,
    archive_dir: Path | str,
    layout: Layout,
    deployment_group_id: str,
    deployment_id: str,
    *,
    file_exists_behavior: FileExistsBehavior | str | None = None,
    install_root: Path | str | None = None,
    appspec_filename: str = "appspec.yml",
    which: Which = shutil.which,
) -> InstallResult:
    """Install the revision unpacked at ``archive_dir`` for one deployment of a group.

    ``file_exists_behavior`` is the deployment's ``fileExistsBehavior`` (the appspec's own value wins).
    Raises :class:`InstallError`; when it comes from planning or preflight, nothing was changed.
    """
    layout.deployment_dir(deployment_group_id, deployment_id)  # validates both ids
    entries = previous_cleanup(layout, deployment_group_id)
    plan = plan_install(
        appspec,
        archive_dir,
        file_exists_behavior_override=file_exists_behavior,
        install_root=install_root,
        removed_by_cleanup=predict_removals(entries),
        appspec_filename=appspec_filename,
    )
    preflight(plan, which=which)
    replayed = replay(entries, which=which)
    layout.new_cleanup_file(deployment_group_id).unlink(missing_ok=True)
    execution = execute(plan, layout, deployment_group_id, deployment_id, which=which)
    return InstallResult(plan, replayed, execution)
