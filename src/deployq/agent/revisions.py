"""Which revision's appspec and scripts an event uses (reference §1.2), and retention (§6)."""

from __future__ import annotations

import shutil
from pathlib import Path

from deployq.domain.enums import LifecycleEventName as E
from deployq.domain.spec import DeploymentSpec
from deployq.install import Layout
from deployq.install.layout import ARCHIVE_DIR

#: Events that may fall back to an earlier deployment's directory when the current one has no
#: archive yet (before DownloadBundle, or on hosts that never download).
_BLOCK = {E.BEFORE_BLOCK_TRAFFIC, E.AFTER_BLOCK_TRAFFIC}
_ALLOW = {E.BEFORE_ALLOW_TRAFFIC, E.AFTER_ALLOW_TRAFFIC}


def _recorded(path: Path) -> Path | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return Path(text) if text else None


def last_successful_install(layout: Layout, dg_id: str) -> Path | None:
    return _recorded(layout.last_successful_install_file(dg_id))


def most_recent_install(layout: Layout, dg_id: str) -> Path | None:
    return _recorded(layout.most_recent_install_file(dg_id))


def revision_dir_for(event: str, spec: DeploymentSpec, layout: Layout) -> Path | None:
    """The deployment directory whose ``deployment-archive`` holds the appspec and scripts for
    ``event``; None when there is none (the event is then a no-op, as ApplicationStop on a host's first
    deployment)."""
    dg = spec.deployment_group_id
    current = layout.deployment_dir(dg, spec.deployment_id)
    if (current / ARCHIVE_DIR).is_dir():
        return current
    rollback_bg = spec.is_rollback and spec.is_blue_green
    if event in _BLOCK:
        return most_recent_install(layout, dg) if rollback_bg else last_successful_install(layout, dg)
    if event == E.APPLICATION_STOP:
        return last_successful_install(layout, dg)
    if event in _ALLOW and rollback_bg:
        return last_successful_install(layout, dg)
    return None


def prune(layout: Layout, dg_id: str, current_deployment: str, max_revisions: int) -> list[Path]:
    """Keep ``max_revisions`` deployment directories of the group, the current one included, and never
    the last successful one; delete the oldest others (by modification time). Returns what it deleted."""
    group_dir = layout.deployment_group_dir(dg_id)
    if not group_dir.is_dir():
        return []
    keep = {layout.deployment_dir(dg_id, current_deployment).resolve()}
    last = last_successful_install(layout, dg_id)
    if last is not None:
        keep.add(last.resolve())
    others = sorted((d for d in group_dir.iterdir() if d.is_dir() and d.resolve()
                     != layout.deployment_dir(dg_id, current_deployment).resolve()),
                    key=lambda d: d.stat().st_mtime)
    extra = len(others) - max_revisions + 1
    deleted = []
    for directory in others:
        if extra <= 0:
            break
        if directory.resolve() in keep:
            continue
        shutil.rmtree(directory, ignore_errors=True)
        deleted.append(directory)
        extra -= 1
    return deleted
