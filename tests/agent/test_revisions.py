"""Which revision an event uses (§1.2) and retention (§6): pure file-system logic, no server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from deployq.agent.revisions import prune, revision_dir_for
from deployq.domain.spec import DeploymentSpec
from deployq.install import Layout


def spec(deployment_id: str, **options: str) -> DeploymentSpec:
    return DeploymentSpec(deployment_id, "web", "prod", "dg", {"revisionType": "Local"}, **options)  # type: ignore[arg-type]


def deployed(layout: Layout, deployment_id: str, age: int) -> Path:
    directory = layout.deployment_dir("dg", deployment_id)
    (directory / "deployment-archive").mkdir(parents=True)
    os.utime(directory, (1_000_000 + age, 1_000_000 + age))
    return directory


def record(layout: Layout, which: str, directory: Path) -> None:
    path = layout.last_successful_install_file("dg") if which == "last" else layout.most_recent_install_file("dg")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(str(directory))


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(tmp_path)


def test_first_deployment_has_no_previous_revision(layout: Layout) -> None:
    for event in ("ApplicationStop", "BeforeBlockTraffic", "AfterBlockTraffic", "BeforeInstall"):
        assert revision_dir_for(event, spec("d-2"), layout) is None


def test_stop_events_use_the_last_successful_install(layout: Layout) -> None:
    last = deployed(layout, "d-1", 1)
    recent = deployed(layout, "d-9", 2)
    record(layout, "last", last)
    record(layout, "recent", recent)
    assert revision_dir_for("ApplicationStop", spec("d-2"), layout) == last
    assert revision_dir_for("BeforeBlockTraffic", spec("d-2"), layout) == last
    # a blue/green rollback blocks traffic with the most recent install's scripts, and allows it with
    # the last successful one's
    rollback = spec("d-2", creator="codeDeployRollback", deployment_type="BLUE_GREEN")
    assert revision_dir_for("AfterBlockTraffic", rollback, layout) == recent
    assert revision_dir_for("BeforeAllowTraffic", rollback, layout) == last
    assert revision_dir_for("ApplicationStop", rollback, layout) == last
    assert revision_dir_for("BeforeAllowTraffic", spec("d-2"), layout) is None


def test_once_downloaded_every_event_uses_the_current_revision(layout: Layout) -> None:
    record(layout, "last", deployed(layout, "d-1", 1))
    current = deployed(layout, "d-2", 2)
    for event in ("ApplicationStop", "BeforeInstall", "ValidateService", "AfterAllowTraffic"):
        assert revision_dir_for(event, spec("d-2"), layout) == current


def test_retention_keeps_max_revisions_including_current_and_last_successful(layout: Layout) -> None:
    dirs = [deployed(layout, f"d-{n}", n) for n in range(1, 8)]
    record(layout, "last", dirs[0])  # the oldest is the last successful one
    deleted = prune(layout, "dg", "d-7", max_revisions=3)
    assert sorted(p.name for p in deleted) == ["d-2", "d-3", "d-4", "d-5"]
    remaining = sorted(p.name for p in layout.deployment_group_dir("dg").iterdir())
    assert remaining == ["d-1", "d-6", "d-7"]
    assert prune(layout, "dg", "d-7", max_revisions=3) == []  # repeated: nothing more to do


def test_retention_with_one_revision_keeps_current_and_last_successful(layout: Layout) -> None:
    dirs = [deployed(layout, f"d-{n}", n) for n in range(1, 4)]
    record(layout, "last", dirs[1])
    prune(layout, "dg", "d-3", max_revisions=1)
    assert sorted(p.name for p in layout.deployment_group_dir("dg").iterdir()) == ["d-2", "d-3"]
