"""Hook scripts run for real: order, failures, timeouts, runas, and the held-pipe case."""

from __future__ import annotations

import os
import pwd
import time
from pathlib import Path

import pytest

from deployq.agent.hooks import ScriptRunner, script_command
from deployq.appspec import HookScript
from deployq.domain.enums import LifecycleErrorCode


class Lines:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, text: str) -> None:
        self.lines.append(text)


def script(archive: Path, name: str, body: str, *, executable: bool = True) -> HookScript:
    path = archive / "scripts" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(0o755 if executable else 0o644)
    return HookScript(location=f"scripts/{name}")


def runner(archive: Path, log: Lines, **kwargs) -> ScriptRunner:  # type: ignore[no-untyped-def]
    return ScriptRunner(archive, {"PATH": os.environ["PATH"], "LIFECYCLE_EVENT": "AfterInstall"}, log, **kwargs)


def test_scripts_run_in_order_and_log_their_output(tmp_path: Path) -> None:
    log = Lines()
    first = script(tmp_path, "a.sh", 'echo "first $LIFECYCLE_EVENT"; echo oops >&2\n')
    second = script(tmp_path, "b.sh", "echo second; pwd\n")
    outcome = runner(tmp_path, log).run_all([first, second])
    assert outcome.succeeded
    assert log.lines == [
        "Script - scripts/a.sh",
        "[stdout]first AfterInstall",
        "[stderr]oops",
        "Script - scripts/b.sh",
        "[stdout]second",
        f"[stdout]{tmp_path}",
    ]


def test_first_failure_stops_the_event(tmp_path: Path) -> None:
    log = Lines()
    bad = script(tmp_path, "bad.sh", "exit 3\n")
    never = script(tmp_path, "never.sh", "touch never-ran\n")
    outcome = runner(tmp_path, log).run_all([bad, never])
    assert outcome.error_code is LifecycleErrorCode.SCRIPT_FAILED
    assert outcome.exit_code == 3
    assert outcome.message == "Script at specified location: scripts/bad.sh failed with exit code 3"
    assert not (tmp_path / "never-ran").exists()


def test_missing_script(tmp_path: Path) -> None:
    outcome = runner(tmp_path, Lines()).run(HookScript(location="scripts/nope.sh"))
    assert outcome.error_code is LifecycleErrorCode.SCRIPT_MISSING
    assert outcome.message == f"Script does not exist at specified location: {tmp_path}/scripts/nope.sh"


def test_non_executable_script_is_made_executable(tmp_path: Path) -> None:
    log = Lines()
    hook = script(tmp_path, "plain.sh", "echo ran\n", executable=False)
    outcome = runner(tmp_path, log).run(hook)
    assert outcome.succeeded
    assert "[stdout]ran" in log.lines
    assert any("not executable" in line for line in log.lines)


def test_non_executable_script_that_cannot_be_fixed(tmp_path: Path) -> None:
    """chmod fails (an immutable file: even root cannot change it) → ScriptNotExecutable."""
    import subprocess

    hook = script(tmp_path, "ro.sh", "echo ran\n", executable=False)
    path = tmp_path / "scripts" / "ro.sh"
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
    else:
        pytest.skip("needs root to make a file whose mode cannot change")
    try:
        outcome = runner(tmp_path, Lines()).run(hook)
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    assert outcome.error_code is LifecycleErrorCode.SCRIPT_NOT_EXECUTABLE
    assert outcome.message == "Unable to set script at specified location: scripts/ro.sh as executable"


def test_timeout_terms_then_kills_the_group(tmp_path: Path) -> None:
    hook = script(tmp_path, "slow.sh", "trap '' TERM\nsleep 30 &\nwait\n")
    hook = HookScript(location=hook.location, timeout=1)
    started = time.monotonic()
    outcome = runner(tmp_path, Lines(), kill_grace=0.5).run(hook)
    assert outcome.error_code is LifecycleErrorCode.SCRIPT_TIMED_OUT
    assert outcome.message == "Script at specified location: scripts/slow.sh failed to complete in 1 seconds"
    assert time.monotonic() - started < 10


def test_background_child_holding_stdout_does_not_hang_the_event(tmp_path: Path) -> None:
    hook = script(tmp_path, "start.sh", "sleep 30 &\necho started\n")
    hook = HookScript(location=hook.location, timeout=60)
    log = Lines()
    started = time.monotonic()
    outcome = runner(tmp_path, log).run(hook)
    elapsed = time.monotonic() - started
    assert outcome.succeeded
    assert elapsed < 10, "the event must end on the script's exit, not at the timeout"
    assert "[stdout]started" in log.lines
    assert any("(sleep)" in holder for holder in outcome.held_open_by)
    assert "kept stdout and stderr open" in outcome.message
    os.system("pkill -f 'sleep 30' >/dev/null 2>&1")


def test_stop_request_ends_the_script(tmp_path: Path) -> None:
    hook = script(tmp_path, "long.sh", "sleep 30\n")
    deadline = time.monotonic() + 1
    outcome = runner(tmp_path, Lines(), should_stop=lambda: time.monotonic() > deadline).run(hook)
    assert outcome.error_code is LifecycleErrorCode.SCRIPT_FAILED
    assert "was stopped" in outcome.message


def test_command_lines() -> None:
    path = Path("/a/s.sh")
    assert script_command(path, HookScript("s.sh"), euid=0) == ["/a/s.sh"]
    assert script_command(path, HookScript("s.sh", runas="app"), euid=0) == [
        "su",
        "-s",
        "/bin/sh",
        "app",
        "-c",
        "/a/s.sh",
    ]
    assert script_command(path, HookScript("s.sh", sudo=True), euid=0) == ["sudo", "-n", "/a/s.sh"]
    assert script_command(path, HookScript("s.sh", runas="app", sudo=True), euid=0) == [
        "sudo",
        "-n",
        "su",
        "-s",
        "/bin/sh",
        "app",
        "-c",
        "/a/s.sh",
    ]


def test_runas_without_root_is_a_clear_error(tmp_path: Path) -> None:
    me = pwd.getpwuid(os.geteuid()).pw_name
    nobody = pwd.getpwnam("nobody")
    with pytest.raises(PermissionError, match="needs the agent to run as root"):
        script_command(Path("/x"), HookScript("x", runas="someone-else"), euid=nobody.pw_uid)
    assert script_command(Path("/x"), HookScript("x", runas=me), euid=os.geteuid())[-1] == "/x"


@pytest.mark.skipif(os.geteuid() != 0, reason="runas to another user needs root")
def test_runas_runs_as_that_user() -> None:
    """nobody's login shell is nologin: runas works all the same."""
    import shutil
    import tempfile

    archive = Path(tempfile.mkdtemp(prefix="deployq-runas-"))
    try:
        archive.chmod(0o755)
        hook = script(archive, "who.sh", "id -un\n")
        (archive / "scripts").chmod(0o755)
        hook = HookScript(location=hook.location, runas="nobody")
        log = Lines()
        outcome = runner(archive, log, cwd=Path("/")).run(hook)
        assert outcome.succeeded, outcome.message
        assert "[stdout]nobody" in log.lines
    finally:
        shutil.rmtree(archive)
