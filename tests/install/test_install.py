"""End-to-end Install on the real disk: revisions in an agent root, installed below ``tmp_path/host``."""

from __future__ import annotations

import grp
import json
import os
import pwd
import shutil
import stat
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from deployq.domain.enums import FileExistsBehavior
from deployq.install import InstallError
from tests.install.conftest import Dir, Entry, File, Host, Link, appspec_text, line_of

SITE = {
    "site/index.html": "<h1>v1</h1>\n",
    "site/css/main.css": "body {}\n",
    "site/bin/run.sh": File("#!/bin/sh\n", 0o755),
    "site/current": Link("index.html"),
    "site/empty": Dir(),
}
TO_HTML = "files:\n  - source: site\n    destination: /var/www/html\n"
PREFIX = "The deployment failed because "


def mode(path: str | Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# ----------------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------------


def test_file_source_goes_into_destination_and_ancestors_are_recorded(host: Host) -> None:
    host.deploy(
        "d-1",
        {"config/app.conf": File("x=1\n", 0o640)},
        """
        files:
          - source: config/app.conf
            destination: /etc/myapp/conf.d
        """,
    )
    target = host.path("/etc/myapp/conf.d/app.conf")
    assert Path(target).read_text() == "x=1\n"
    assert mode(target) == 0o640
    ancestors = [host.path("/etc"), host.path("/etc/myapp"), host.path("/etc/myapp/conf.d")]
    assert host.cleanup_lines() == [*ancestors, target]
    assert host.cleanup_file.read_bytes().endswith(b"\n")
    archive = host.layout.archive_dir("dg-1", "d-1")
    assert json.loads(host.layout.install_file("dg-1").read_text()) == {
        "instructions": [
            *({"type": "mkdir", "directory": path} for path in ancestors),
            {"type": "copy", "source": f"{archive}/config/app.conf", "destination": target},
        ]
    }
    last = host.layout.last_successful_install_file("dg-1").read_text()
    assert last == str(host.layout.deployment_dir("dg-1", "d-1"))
    assert not host.layout.new_cleanup_file("dg-1").exists()


def test_directory_source_copies_contents_keeps_modes_times_and_symlinks(host: Host) -> None:
    host.deploy("d-1", SITE, TO_HTML)
    html = host.path("/var/www/html")
    archive = host.layout.archive_dir("dg-1", "d-1")
    assert Path(html, "index.html").read_text() == "<h1>v1</h1>\n"
    assert Path(html, "css/main.css").read_text() == "body {}\n"
    assert mode(f"{html}/bin/run.sh") == 0o755
    assert os.stat(f"{html}/bin/run.sh").st_mtime_ns == os.stat(archive / "site/bin/run.sh").st_mtime_ns
    assert os.readlink(f"{html}/current") == "index.html"
    assert Path(html, "empty").is_dir()
    assert not Path(html, "appspec.yml").exists()
    assert host.cleanup_lines() == [
        host.path("/var"),
        host.path("/var/www"),
        html,
        f"{html}/bin",
        f"{html}/bin/run.sh",
        f"{html}/css",
        f"{html}/css/main.css",
        f"{html}/current",
        f"{html}/empty",
        f"{html}/index.html",
    ]


def test_root_source_installs_the_whole_bundle_including_the_appspec(host: Host) -> None:
    body = """
        files:
          - source: /
            destination: /opt/app
    """
    host.deploy("d-1", {"app.py": "print(1)\n", "lib/util.py": ""}, body)
    app = Path(host.path("/opt/app"))
    assert sorted(p.name for p in app.iterdir()) == ["app.py", "appspec.yml", "lib"]
    assert (app / "appspec.yml").read_text() == appspec_text(body)
    assert host.path("/opt/app/appspec.yml") in host.cleanup_lines()


def test_symlinked_directory_in_the_bundle_is_copied_as_a_link(host: Host) -> None:
    host.deploy("d-1", {"site/real/a.txt": "a", "site/alias": Link("real")}, TO_HTML)
    alias = host.path("/var/www/html/alias")
    assert os.path.islink(alias) and os.readlink(alias) == "real"
    assert f"{alias}/a.txt" not in host.cleanup_lines()


def test_pre_existing_directories_are_neither_recorded_nor_removed(host: Host) -> None:
    os.makedirs(host.path("/var/www"))
    Path(host.path("/var/www/keep.txt")).write_text("foreign")
    os.makedirs(host.path("/srv/empty"))
    host.deploy(
        "d-1",
        SITE,
        TO_HTML + "  - source: site/index.html\n    destination: /srv/empty/app\n",
    )
    lines = host.cleanup_lines()
    for pre_existing in ("/var", "/var/www", "/srv", "/srv/empty"):
        assert host.path(pre_existing) not in lines
    assert host.path("/srv/empty/app") in lines
    host.deploy("d-2", {"x.txt": "x"}, "files:\n  - source: x.txt\n    destination: /opt\n")
    assert not os.path.exists(host.path("/var/www/html"))
    assert not os.path.exists(host.path("/srv/empty/app"))
    assert Path(host.path("/var/www/keep.txt")).read_text() == "foreign"
    assert os.path.isdir(host.path("/srv/empty"))


def test_second_deployment_removes_what_the_first_shipped_and_keeps_foreign_files(host: Host) -> None:
    host.deploy("d-1", {"site/a.txt": "a1", "site/b.txt": "b1", "site/sub/c.txt": "c1"}, TO_HTML)
    html = host.path("/var/www/html")
    Path(html, "foreign.txt").write_text("not ours")
    result = host.deploy("d-2", {"site/a.txt": "a2"}, TO_HTML)
    assert Path(html, "a.txt").read_text() == "a2"
    assert not os.path.exists(f"{html}/b.txt")
    assert not os.path.exists(f"{html}/sub")
    assert Path(html, "foreign.txt").read_text() == "not ours"
    assert html in result.replayed.kept
    assert f"{html}/b.txt" in result.replayed.removed
    # html survived (not empty), so the second install did not create it and does not own it
    assert host.cleanup_lines() == [f"{html}/a.txt"]
    last = host.layout.last_successful_install_file("dg-1").read_text()
    assert last == str(host.layout.deployment_dir("dg-1", "d-2"))


# ----------------------------------------------------------------------------------------------------
# failures before anything is removed (the deliberate improvement)
# ----------------------------------------------------------------------------------------------------


def _assert_failure_leaves_first_revision(host: Host, files: Mapping[str, Entry], body: str) -> InstallError:
    host.deploy("d-1", SITE, TO_HTML)
    before = host.snapshot()
    cleanup = host.cleanup_file.read_bytes()
    with pytest.raises(InstallError) as caught:
        host.deploy("d-2", files, body)
    assert host.snapshot() == before
    assert host.cleanup_file.read_bytes() == cleanup
    return caught.value


def test_disallow_conflict_with_a_foreign_file_leaves_the_first_revision_installed(host: Host) -> None:
    host.deploy("d-1", SITE, TO_HTML)
    foreign = host.path("/var/www/html/new.txt")
    Path(foreign).write_text("someone else's")
    before = host.snapshot()
    cleanup = host.cleanup_file.read_bytes()
    text = appspec_text(TO_HTML)
    with pytest.raises(InstallError) as caught:
        host.deploy("d-2", {**SITE, "site/new.txt": "ours"}, TO_HTML)
    error = caught.value
    assert error.reason == f"{PREFIX}a specified file already exists at this location: {foreign}"
    assert (error.key_path, error.line) == ("files[0]", line_of(text, "- source"))
    assert str(error).startswith(f"appspec.yml: line {error.line}: files[0]: {PREFIX}")
    assert host.snapshot() == before
    assert host.cleanup_file.read_bytes() == cleanup
    assert Path(host.path("/var/www/html/index.html")).read_text() == "<h1>v1</h1>\n"


def test_files_of_the_previous_revision_are_not_a_disallow_conflict(host: Host) -> None:
    host.deploy("d-1", SITE, TO_HTML)
    result = host.deploy("d-2", {**SITE, "site/index.html": "<h1>v2</h1>\n"}, TO_HTML)
    assert result.plan.file_exists_behavior is FileExistsBehavior.DISALLOW
    assert Path(host.path("/var/www/html/index.html")).read_text() == "<h1>v2</h1>\n"


def test_missing_source_fails_before_anything_is_removed(host: Host) -> None:
    body = "files:\n  - source: nope/file.txt\n    destination: /var/www/html\n"
    error = _assert_failure_leaves_first_revision(host, {}, body)
    archive = host.layout.archive_dir("dg-1", "d-2")
    assert error.reason == (
        f"{PREFIX}the application specification file specifies a source (nope/file.txt) that does not exist in "
        f"the revision (looked for {archive}/nope/file.txt). Correct the files section of the AppSpec file or "
        "the revision, and then try again."
    )
    assert error.key_path == "files[0].source"


@pytest.mark.parametrize(
    ("body", "key_path", "fragment"),
    [
        ("files:\n  - source: ../escape\n    destination: /x\n", "files[0].source", "leads outside the revision"),
        ("files:\n  - source: up/etc/passwd\n    destination: /x\n", "files[0].source", "leads outside the revision"),
        ("files:\n  - source: a.txt\n    destination: var/www\n", "files[0].destination", "relative destination"),
        (
            "files:\n  - source: a.txt\n    destination: /x\npermissions:\n  - object: x\n    mode: 644\n",
            "permissions[0].object",
            "relative permission object (x)",
        ),
    ],
    ids=["source-escapes", "source-escapes-through-link", "relative-destination", "relative-object"],
)
def test_paths_that_cannot_be_placed_are_refused(host: Host, body: str, key_path: str, fragment: str) -> None:
    error = _assert_failure_leaves_first_revision(host, {"a.txt": "a", "up": Link("/")}, body)
    assert error.key_path == key_path
    assert fragment in error.reason


def test_destination_ancestor_that_is_a_file_is_refused_up_front(host: Host) -> None:
    os.makedirs(host.path("/opt"))
    Path(host.path("/opt/app")).write_text("a file, not a directory")
    with pytest.raises(InstallError) as caught:
        host.deploy("d-1", {"a.txt": "a"}, "files:\n  - source: a.txt\n    destination: /opt/app/conf\n")
    assert f"needs the directory {host.path('/opt/app')}" in caught.value.reason


# ----------------------------------------------------------------------------------------------------
# file_exists_behavior
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_appspec", "override", "outcome"),
    [
        (None, None, "error"),
        (None, "OVERWRITE", "overwritten"),
        (None, FileExistsBehavior.RETAIN, "retained"),
        ("OVERWRITE", "RETAIN", "overwritten"),
        ("RETAIN", "OVERWRITE", "retained"),
        ("DISALLOW", "OVERWRITE", "error"),
    ],
)
def test_file_exists_behavior_and_its_precedence(
    host: Host, in_appspec: str | None, override: str | None, outcome: str
) -> None:
    existing = host.path("/srv/app/a.txt")
    os.makedirs(host.path("/srv/app"))
    Path(existing).write_text("foreign")
    os.chmod(existing, 0o600)
    body = textwrap.dedent(
        """
        files:
          - source: app
            destination: /srv/app
        permissions:
          - object: /srv/app
            mode: "0640"
            type: [file]
        """
    )
    if in_appspec:
        body += f"file_exists_behavior: {in_appspec}\n"
    files = {"app/a.txt": "new", "app/b.txt": "b"}
    if outcome == "error":
        with pytest.raises(InstallError) as caught:
            host.deploy("d-1", files, body, file_exists_behavior=override)
        assert caught.value.reason == f"{PREFIX}a specified file already exists at this location: {existing}"
        assert not os.path.exists(host.path("/srv/app/b.txt"))
        assert not host.cleanup_file.exists()
        return
    result = host.deploy("d-1", files, body, file_exists_behavior=override)
    assert Path(host.path("/srv/app/b.txt")).read_text() == "b"
    assert mode(host.path("/srv/app/b.txt")) == 0o640
    if outcome == "overwritten":
        assert Path(existing).read_text() == "new"
        assert mode(existing) == 0o640
        assert existing in host.cleanup_lines()
        assert result.plan.overwritten == (existing,)
    else:
        assert Path(existing).read_text() == "foreign"
        assert mode(existing) == 0o600  # retained files get no permissions (v1)
        assert existing not in host.cleanup_lines()
        assert result.plan.retained == (existing,)


def test_invalid_file_exists_behavior_override(host: Host) -> None:
    with pytest.raises(InstallError) as caught:
        host.deploy(
            "d-1", {"a.txt": "a"}, "files:\n  - source: a.txt\n    destination: /x\n", file_exists_behavior="NOPE"
        )
    assert caught.value.reason == (
        f"{PREFIX}an invalid option was specified for fileExistsBehavior: NOPE. Valid options include OVERWRITE, "
        "RETAIN, and DISALLOW."
    )


def test_overwrite_replaces_a_symlink_instead_of_writing_through_it(host: Host, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.makedirs(host.path("/srv/app"))
    os.symlink(victim, host.path("/srv/app/a.txt"))
    host.deploy(
        "d-1",
        {"app/a.txt": "new"},
        "files:\n  - source: app\n    destination: /srv/app\n",
        file_exists_behavior="OVERWRITE",
    )
    assert not os.path.islink(host.path("/srv/app/a.txt"))
    assert Path(host.path("/srv/app/a.txt")).read_text() == "new"
    assert victim.read_text() == "precious"


# ----------------------------------------------------------------------------------------------------
# conflicts between instructions
# ----------------------------------------------------------------------------------------------------

TWO_SOURCES = """
    files:
      - source: a/x.txt
        destination: /d
      - source: b/x.txt
        destination: /d
"""
COPY_ONTO_MKDIR = """
    files:
      - source: tree
        destination: /d
      - source: f/x
        destination: /d
"""
MKDIR_ONTO_COPY = """
    files:
      - source: f/x
        destination: /d
      - source: tree
        destination: /d
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            TWO_SOURCES,
            "the application specification file specifies two source files named {A}/b/x.txt and {A}/a/x.txt for "
            "the same destination ({H}/d/x.txt). Remove one of the source file paths from the AppSpec file, and "
            "then try again.",
        ),
        (
            COPY_ONTO_MKDIR,
            "the application specification file calls for installing the file {A}/f/x, but a file with that name "
            "already exists at the location ({H}/d/x). Update your AppSpec file or directory structure, and then "
            "try again.",
        ),
        (
            MKDIR_ONTO_COPY,
            "the application specification file includes an mkdir command more than once for the same destination "
            "path ({H}/d/x) from ({A}/f/x). Update the files section of the AppSpec file, and then try again.",
        ),
    ],
    ids=["two-sources-one-target", "copy-onto-mkdir", "mkdir-onto-copy"],
)
def test_conflicting_instructions_use_codedeploy_texts(host: Host, body: str, expected: str) -> None:
    files = {"a/x.txt": "a", "b/x.txt": "b", "tree/x/y.txt": "y", "f/x": "file x"}
    with pytest.raises(InstallError) as caught:
        host.deploy("d-1", files, body)
    archive = host.layout.archive_dir("dg-1", "d-1")
    assert caught.value.reason == PREFIX + expected.format(A=archive, H=host.root)
    assert caught.value.key_path == "files[1]"
    assert caught.value.line == line_of(appspec_text(body), "- source", 2)
    assert not host.root.exists()


# ----------------------------------------------------------------------------------------------------
# permissions
# ----------------------------------------------------------------------------------------------------

PERMISSION_SITE = {
    "site/index.html": "i",
    "site/scripts/run.sh": "r",
    "site/scripts/skip.sh": "s",
    "site/scripts/readme.txt": "t",
    "site/scripts/nested/deep.sh": "d",
}
INSTALLED = ["index.html", "scripts", "scripts/run.sh", "scripts/skip.sh", "scripts/readme.txt"]
INSTALLED += ["scripts/nested", "scripts/nested/deep.sh"]


@pytest.mark.parametrize(
    ("permissions", "changed"),
    [
        (
            '  - object: /var/www/html\n    pattern: "**"\n    mode: "0750"\n',
            {name: 0o750 for name in INSTALLED},
        ),
        (
            "  - object: /var/www/html/scripts\n    pattern: '*.sh'\n    except: [skip.sh]\n    type: [file]\n"
            "    mode: 755\n",
            {"scripts/run.sh": 0o755},
        ),
        (
            "  - object: /var/www/html\n    type: [directory]\n    mode: 700\n",
            {"scripts": 0o700, "scripts/nested": 0o700},
        ),
        (
            "  - object: /var/www/html/scripts\n    pattern: 'n*'\n    mode: 711\n",
            {"scripts/nested": 0o711},
        ),
        ("  - object: /var/www/html/index.html\n    mode: 600\n", {"index.html": 0o600}),
        ("  - object: /var/www/html/index.html\n    type: [directory]\n    mode: 600\n", {}),
        ("  - object: /nowhere\n    mode: 600\n", {}),
    ],
    ids=[
        "all-descendants",
        "glob-except-files",
        "directories-only",
        "immediate-child-dir",
        "file",
        "file-not-typed",
        "not-installed",
    ],
)
def test_permission_modes(host: Host, permissions: str, changed: dict[str, int]) -> None:
    host.deploy("d-1", PERMISSION_SITE, TO_HTML + "permissions:\n" + permissions)
    html = host.path("/var/www/html")
    directory_default = 0o777 & ~umask()
    assert mode(html) == directory_default  # the object directory itself is never matched
    for name in INSTALLED:
        default = directory_default if os.path.isdir(f"{html}/{name}") else 0o644
        assert mode(f"{html}/{name}") == changed.get(name, default), name


def test_permissions_skip_pre_existing_things_and_symlinks(host: Host, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("outside")
    os.chmod(victim, 0o600)
    html = host.path("/var/www/html")
    os.makedirs(f"{html}/olddir")
    Path(html, "old.txt").write_text("old")
    os.chmod(f"{html}/old.txt", 0o644)
    os.chmod(f"{html}/olddir", 0o755)
    body = TO_HTML + 'permissions:\n  - object: /var/www/html\n    mode: "777"\n'
    result = host.deploy("d-1", {**PERMISSION_SITE, "site/link": Link(str(victim))}, body)
    assert mode(f"{html}/index.html") == 0o777
    assert mode(f"{html}/old.txt") == 0o644
    assert mode(f"{html}/olddir") == 0o755
    assert mode(victim) == 0o600
    chmodded = {i.file for i in result.plan.instructions if type(i).__name__ == "Chmod"}
    assert f"{html}/link" not in chmodded and html not in chmodded


def test_a_target_hit_by_two_permissions_is_refused(host: Host) -> None:
    permissions = textwrap.dedent(
        """
        permissions:
          - object: /var/www/html
            mode: "0750"
          - object: /var/www/html/index.html
            mode: "0600"
        """
    )
    body = TO_HTML + permissions
    error = _assert_failure_leaves_first_revision(host, PERMISSION_SITE, body)
    target = host.path("/var/www/html/index.html")
    assert error.reason == (
        f"{PREFIX}the permissions setting for ({target}) is specified more than once in the application "
        "specification file. Update the files section of the AppSpec file, and then try again."
    )
    assert (error.key_path, error.line) == ("permissions[1]", line_of(appspec_text(body), "- object", 2))


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        (
            "    pattern: '*.html'\n",
            "pattern",
            "the application specification file includes an object (/var/www/html/index.html) with an invalid "
            "pattern (*.html), such as a pattern for a file applied to a directory. Correct the permissions section "
            "of the AppSpec file, and then try again.",
        ),
        (
            "    except: [a]\n",
            "except",
            'the except parameter for a pattern in the permissions section (["a"]) for the object named '
            "/var/www/html/index.html contains an invalid format. Update the AppSpec file, and then try again.",
        ),
        (
            "    acls: ['d:u:root:rw']\n",
            "acls",
            "the -d parameter has been specified to apply an acl setting to a file. This parameter is supported for "
            "directories only. Update the AppSpec file, and then try again.",
        ),
    ],
    ids=["pattern", "except", "default-acl"],
)
def test_file_permission_rules(host: Host, extra: str, key: str, expected: str) -> None:
    body = TO_HTML + f"permissions:\n  - object: {'/var/www/html/index.html'}\n    mode: 600\n" + extra
    error = _assert_failure_leaves_first_revision(host, PERMISSION_SITE, body)
    assert error.reason == PREFIX + expected  # the object as the appspec writes it
    assert error.key_path == f"permissions[0].{key}"


def test_chown_to_the_current_user_and_group(host: Host) -> None:
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    body = TO_HTML + f"permissions:\n  - object: /var/www/html\n    owner: {user}\n    group: {group}\n    mode: 750\n"
    host.deploy("d-1", PERMISSION_SITE, body)
    run_sh = host.path("/var/www/html/scripts/run.sh")
    info = os.stat(run_sh)
    assert (info.st_uid, info.st_gid, mode(run_sh)) == (os.getuid(), os.getgid(), 0o750)
    instructions = json.loads(host.layout.install_file("dg-1").read_text())["instructions"]
    at_run = [entry for entry in instructions if entry.get("file") == run_sh]
    assert at_run == [
        {"type": "chmod", "mode": "750", "file": run_sh},
        {"type": "chown", "owner": user, "group": group, "file": run_sh},
    ]


@pytest.mark.parametrize(
    ("setting", "key", "fragment"),
    [
        ("owner: deployq-no-such-user", "owner", "names the owner deployq-no-such-user, but no such user exists"),
        ("group: deployq-no-such-group", "group", "names the group deployq-no-such-group, but no such group exists"),
    ],
)
def test_chown_to_an_unknown_user_or_group_fails_before_anything_is_removed(
    host: Host, setting: str, key: str, fragment: str
) -> None:
    body = TO_HTML + f"permissions:\n  - object: /var/www/html\n    {setting}\n"
    error = _assert_failure_leaves_first_revision(host, PERMISSION_SITE, body)
    assert fragment in error.reason
    assert (error.key_path, error.line) == (f"permissions[0].{key}", line_of(appspec_text(body), "- object"))


ACL_BODY = TO_HTML + "permissions:\n  - object: /var/www/html/index.html\n    mode: 640\n    acls: ['u:root:rw']\n"


def test_setfacl(host: Host) -> None:
    if shutil.which("setfacl") is None:
        error = _assert_failure_leaves_first_revision(host, PERMISSION_SITE, ACL_BODY)
        assert "setfacl is not installed on this instance" in error.reason
        assert (error.key_path, error.line) == ("permissions[0].acls", line_of(appspec_text(ACL_BODY), "- object"))
        return
    host.deploy("d-1", PERMISSION_SITE, ACL_BODY)
    shown = subprocess.run(
        ["getfacl", "-c", host.path("/var/www/html/index.html")], capture_output=True, text=True, check=True
    ).stdout
    assert "user:root:rw-" in shown and "user::rw-" in shown and "other::---" in shown


CONTEXT_BODY = (
    TO_HTML + "permissions:\n  - object: /var/www/html/index.html\n    context:\n      name: system_u\n"
    "      type: httpd_sys_content_t\n"
)


def test_missing_semanage_is_reported_with_the_entry(host: Host, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()

    def which(name: str) -> str | None:
        return shutil.which(name, path=str(empty))

    host.deploy("d-1", SITE, TO_HTML)
    before = host.snapshot()
    with pytest.raises(InstallError) as caught:
        host.deploy("d-2", PERMISSION_SITE, CONTEXT_BODY, which=which)
    error = caught.value
    assert "semanage is not installed on this instance" in error.reason
    assert (error.key_path, error.line) == ("permissions[0].context", line_of(appspec_text(CONTEXT_BODY), "- object"))
    assert host.snapshot() == before


@pytest.fixture
def stub_tools(tmp_path: Path) -> tuple[Path, Path]:
    """``setfacl``, ``semanage`` and ``restorecon`` stand-ins that log their arguments (external tools only)."""
    bin_dir, log = tmp_path / "stub-bin", tmp_path / "tools.log"
    bin_dir.mkdir()
    for tool in ("setfacl", "semanage", "restorecon"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\nexit "${{STUB_EXIT_{tool}:-0}}"\n')
        script.chmod(0o755)
    return bin_dir, log


def test_acl_and_selinux_command_lines(host: Host, stub_tools: tuple[Path, Path]) -> None:
    bin_dir, log = stub_tools

    def which(name: str) -> str | None:
        return shutil.which(name, path=str(bin_dir))

    body = (
        TO_HTML
        + "permissions:\n  - object: /var/www/html/index.html\n    mode: 640\n    acls: ['u:root:rw', 'g:root:r']\n"
        "    context:\n      name: system_u\n      type: httpd_sys_content_t\n      range: s0-s1:c0.c2\n"
    )
    host.deploy("d-1", PERMISSION_SITE, body, which=which)
    index = os.path.realpath(host.path("/var/www/html/index.html"))
    assert log.read_text().splitlines() == [
        f"setfacl --set user::rw-,group::r--,other::---,user:root:rw-,group:root:r-- {index}",
        f"semanage fcontext -a -s system_u -t httpd_sys_content_t -r s0-s1:c0.c2 {index}",
        f"restorecon -vF {index}",
    ]
    assert f"semanage\0{index}" in host.cleanup_file.read_text().splitlines()
    host.deploy("d-2", {"x": "x"}, "files:\n  - source: x\n    destination: /opt\n", which=which)
    assert log.read_text().splitlines()[-1] == f"semanage fcontext -d {index}"


def test_a_failing_tool_leaves_a_recorded_partial_install(
    host: Host, stub_tools: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir, _ = stub_tools
    monkeypatch.setenv("STUB_EXIT_setfacl", "1")

    def which(name: str) -> str | None:
        return shutil.which(name, path=str(bin_dir))

    with pytest.raises(InstallError) as caught:
        host.deploy("d-1", PERMISSION_SITE, ACL_BODY, which=which)
    index = host.path("/var/www/html/index.html")
    assert caught.value.reason == (
        f"{PREFIX}of a problem with the acls permission settings in the application specification file for this "
        f"object: {index}. Failed command: setfacl --set user::rw-,group::r--,other::---,user:root:rw- {index}. "
        "Exit code: 1"
    )
    assert index in host.cleanup_lines()  # the next install removes the partial one
    assert not host.layout.last_successful_install_file("dg-1").exists()
