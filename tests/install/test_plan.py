"""The planner on its own: matching, path mapping, JSON, the filesystem view, the on-disk layout."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from deployq.appspec import parse
from deployq.install import (
    Copy,
    InstallError,
    Layout,
    Mkdir,
    execute,
    instruction_from_json,
    plan_install,
    read_cleanup,
)
from deployq.install.instructions import map_path, matches_except, matches_pattern
from tests.install.conftest import appspec_text, write_tree


@pytest.mark.parametrize(
    ("name", "pattern", "expected"),
    [
        ("/o/a.sh", "**", True),
        ("/o/x/y/z", "**", True),
        ("/o", "**", False),
        ("/other/a.sh", "**", False),
        ("/ox/a.sh", "**", False),
        ("/o/a.sh", "*.sh", True),
        ("/o/a.b.sh", "*.sh", True),
        ("/o/x/a.sh", "*.sh", False),
        ("/o/a.shx", "*.sh", False),
        ("/o/run", "r*n", True),
        ("/o/a?c", "a?c", True),
        ("/o/abc", "a?c", False),
        ("/o/[x]", "[x]", True),
        ("/o/anything", "*", True),
    ],
)
def test_matches_pattern(name: str, pattern: str, expected: bool) -> None:
    assert matches_pattern(name, "/o", pattern) is expected


def test_matches_except_looks_at_immediate_children_only() -> None:
    assert matches_except("/o/skip.sh", "/o/", ("skip*",))
    assert not matches_except("/o/x/skip.sh", "/o", ("skip*",))
    assert not matches_except("/o/run.sh", "/o", ())


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("/var/www", None, "/var/www"),
        ("/var/www/", None, "/var/www"),
        ("//var/../etc", None, "/etc"),
        ("/var/www", "/h", "/h/var/www"),
        ("/../../etc", "/h", "/h/etc"),
        ("/", "/h", "/h"),
        ("var/www", "/h", None),
        ("./x", None, None),
    ],
)
def test_map_path(path: str, root: str | None, expected: str | None) -> None:
    assert map_path(path, root) == expected


def test_layout_paths(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    assert layout.deployment_dir("dg", "d-1") == tmp_path / "dg" / "d-1"
    assert layout.bundle_file("dg", "d-1") == tmp_path / "dg/d-1/bundle.tar"
    assert layout.archive_dir("dg", "d-1") == tmp_path / "dg/d-1/deployment-archive"
    assert layout.scripts_log("dg", "d-1") == tmp_path / "dg/d-1/logs/scripts.log"
    instructions = tmp_path / "deployment-instructions"
    assert layout.cleanup_file("dg") == instructions / "dg-cleanup"
    assert layout.install_file("dg") == instructions / "dg-install.json"
    assert layout.last_successful_install_file("dg") == instructions / "dg_last_successful_install"
    assert layout.most_recent_install_file("dg") == instructions / "dg_most_recent_install"
    assert layout.ongoing_deployment_file("d-1") == tmp_path / "ongoing-deployment/d-1"
    assert layout.deployments_log == tmp_path / "deployment-logs/codedeploy-agent-deployments.log"
    for bad in ("", ".", "..", "a/b"):
        with pytest.raises(InstallError):
            layout.cleanup_file(bad)


class PretendView:
    """A destination filesystem where only ``files`` (and their ancestors) exist; nothing on the real disk."""

    def __init__(self, files: set[str]) -> None:
        self.files = files
        self.dirs = {"/"}
        for file in files:
            parent = os.path.dirname(file)
            while parent != "/":
                self.dirs.add(parent)
                parent = os.path.dirname(parent)

    def exists(self, path: str) -> bool:
        return path in self.files or path in self.dirs

    def is_dir(self, path: str) -> bool:
        return path in self.dirs

    def is_symlink(self, path: str) -> bool:
        return False


def _archive(tmp_path: Path) -> Path:
    archive = tmp_path / "archive"
    write_tree(archive, {"site/a.txt": "a", "site/sub/b.txt": "b", "site/link": "not really"})
    return archive


BODY = "files:\n  - source: site\n    destination: /srv/site\npermissions:\n  - object: /srv/site\n    mode: 640\n"


def test_planning_uses_the_view_and_the_predicted_removals(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    spec = parse(appspec_text(BODY))
    view = PretendView({"/srv/site/a.txt"})
    with pytest.raises(InstallError) as caught:
        plan_install(spec, archive, existing=view)
    assert caught.value.reason.endswith("a specified file already exists at this location: /srv/site/a.txt")
    plan = plan_install(spec, archive, existing=view, removed_by_cleanup={"/srv/site/a.txt"})
    assert plan.instructions[:3] == (
        Copy(f"{archive}/site/a.txt", "/srv/site/a.txt"),
        Copy(f"{archive}/site/link", "/srv/site/link"),
        Mkdir("/srv/site/sub"),
    )
    round_trip = [instruction_from_json(entry) for entry in json.loads(json.dumps(plan.to_json()))["instructions"]]
    assert round_trip == list(plan.instructions)


def test_a_failure_while_executing_keeps_what_was_done_in_the_cleanup_file(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    layout, root = Layout(tmp_path / "agent"), tmp_path / "host"
    plan = plan_install(parse(appspec_text(BODY)), archive, install_root=root)
    (archive / "site/sub/b.txt").unlink()  # vanishes between planning and execution
    with pytest.raises(InstallError) as caught:
        execute(plan, layout, "dg", "d-1")
    assert "could not be copied" in caught.value.reason
    recorded = [entry.path for entry in read_cleanup(layout.cleanup_file("dg"))]
    assert recorded == [
        f"{root}/srv",
        f"{root}/srv/site",
        f"{root}/srv/site/a.txt",
        f"{root}/srv/site/link",
        f"{root}/srv/site/sub",
        f"{root}/srv/site/sub/b.txt",
    ]
    assert json.loads(layout.install_file("dg").read_text()) == plan.to_json()
    assert not layout.last_successful_install_file("dg").exists()


def test_the_planner_imports_no_service_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys, deployq.install; "
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('celery', 'sqlalchemy', 'redis', 'httpx', 'requests', 'fastapi', 'urllib3', 'kombu')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
