"""`deployq up` and `make demo`: the stack starts, reports its health and stops, leaving nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deployq.embedded import free_port
from deployq.processes import lingering
from tests.conftest import REPO, wait_for


def stack_processes(data_dir: Path) -> list[int]:
    """Pids of live processes that belong to the stack in ``data_dir`` (by command line or env)."""
    return lingering(data_dir)


def up_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    env.update({"DEPLOYQ_BEAT_INTERVAL": "0.5", **extra})
    return env


def test_up_once_reports_health_and_leaves_nothing(tmp_path: Path) -> None:
    data = tmp_path / "stack"
    result = subprocess.run(
        [sys.executable, "-m", "deployq", "up", "--once", "--data-dir", str(data), "--port", str(free_port())],
        env=up_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deployq is up." in result.stdout
    assert "redis://127.0.0.1:" in result.stdout
    assert "answers" in result.stdout
    assert "last tick" in result.stdout
    assert (data / "deployq.db").exists()
    assert "credentials.yml (created now)" in result.stdout
    assert (data / "credentials.yml").stat().st_mode & 0o077 == 0, "the credential file is private"
    assert stack_processes(data) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=lambda s: s.name)
def test_up_in_the_foreground_stops_everything(tmp_path: Path, sig: signal.Signals) -> None:
    data = tmp_path / "stack"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deployq", "up", "--data-dir", str(data), "--port", str(free_port())],
        env=up_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "deployq is up." in line or not line:
            break
    assert "deployq is up." in "".join(lines), "".join(lines)
    children = stack_processes(data)
    assert len(children) >= 4, "redis, the API, coordinator and beat should be running"
    proc.send_signal(sig)
    proc.wait(timeout=60)
    if sig is not signal.SIGKILL:
        assert proc.returncode == 0
        assert "deployq: stopped" in proc.stdout.read()
    wait_for(lambda: stack_processes(data) == [], timeout=30, what="every stack process to exit")


def test_up_with_a_bad_setting_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "deployq", "up", "--once", "--data-dir", str(tmp_path)],
        env=up_env(DEPLOYQ_REDIS_SERVER_BINARY="/nope/redis"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: DEPLOYQ_REDIS_SERVER_BINARY: no such program: /nope/redis"
    assert "Traceback" not in result.stdout + result.stderr
    assert stack_processes(tmp_path) == []


@pytest.mark.skipif(not (REPO / ".venv" / "bin" / "deployq").exists(), reason="make demo needs the .venv")
def test_make_demo_runs_the_main_job_and_leaves_nothing(tmp_path: Path) -> None:
    import random

    data = tmp_path / "demo"
    base = random.randrange(20000, 40000, 10)
    result = subprocess.run(
        ["make", "--no-print-directory", "demo", f"DEMO_DATA_DIR={data}", f"DEMO_PORT={free_port()}"],
        cwd=REPO, env={**up_env(), "DEMO_AGENT_PORT_BASE": str(base)}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr
    assert "deployq is up." in result.stdout
    assert "rollback d-" in result.stdout
    for n in range(1, 5):
        assert f"local-{n}: v2" in result.stdout
        assert f"local-{n} http://127.0.0.1:{base + n}/ -> v2" in result.stdout
    assert "demo passed" in result.stdout
    assert stack_processes(data) == []
