"""The `deployq` command through its real entry point: help everywhere, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = [
    "up",
    "migrate",
    "coordinator",
    "beat",
    "flower",
    "server",
    "settings",
    "appspec",
    "bundle",
    "agent",
    "app",
    "group",
    "config",
    "instances",
    "push",
    "deploy",
    "plan",
    "deployments",
]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    return subprocess.run(
        [sys.executable, "-m", "deployq", *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_top_level_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith(f"Usage: deployq {command}")


@pytest.mark.parametrize(
    ("args", "env", "code", "message"),
    [
        (["nope"], {}, 2, "No such command 'nope'"),
        (["flower"], {}, 2, "Missing option '--basic-auth'"),
        (["flower", "--basic-auth", "nopassword"], {}, 2, "expected USER:PASSWORD"),
        (["coordinator", "--concurrency", "0"], {}, 2, "0 is not in the range x>=1"),
        (
            ["settings"],
            {"DEPLOYQ_BEAT_INTERVAL": "often"},
            1,
            "error: DEPLOYQ_BEAT_INTERVAL: expected a number, got 'often'",
        ),
        (["migrate"], {"DEPLOYQ_DATABASE_URL": "nonsense"}, 1, "error: DEPLOYQ_DATABASE_URL is not a database URL"),
        (
            ["migrate"],
            {"DEPLOYQ_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
            1,
            "error: cannot reach the database",
        ),
        (["coordinator"], {}, 1, "error: no Redis URL"),
        (["server"], {}, 1, "error: no Redis URL"),
    ],
)
def test_wrong_input_is_one_clear_line(
    args: list[str], env: dict[str, str], code: int, message: str, tmp_path: Path
) -> None:
    result = run(*args, env={"DEPLOYQ_DATA_DIR": str(tmp_path), **env})
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_migrate_then_settings(tmp_path: Path) -> None:
    env = {"DEPLOYQ_DATA_DIR": str(tmp_path), "DEPLOYQ_DATABASE_URL": "postgresql+psycopg://u:pw@h/x"}
    shown = run("settings", env=env)
    assert shown.returncode == 0
    assert "postgresql+psycopg://u:***@h/x" in shown.stdout
    assert "pw@" not in shown.stdout
    result = run("migrate", env={"DEPLOYQ_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0
    assert result.stdout.strip() == "schema at revision 0002"
    assert (tmp_path / "deployq.db").exists()


def test_server_answers_its_liveness_probe(tmp_path: Path, redis_url: str) -> None:
    import time
    import urllib.request

    from deployq.embedded import free_port

    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "deployq", "server", "--port", str(port)],
        env={**base, "DEPLOYQ_DATA_DIR": str(tmp_path), "DEPLOYQ_REDIS_URL": redis_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    body = response.read()
                break
            except OSError:
                time.sleep(0.1)
        assert b'"status":"ok"' in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["agent"], 2, "Missing option '--name'"),
        (["agent", "--name", "a b"], 1, "The host name 'a b' is invalid"),
        (["agent", "--name", "w1", "--name", "w1"], 1, "--name given twice: w1"),
        (["agent", "--name", "w1", "--tag", "=x"], 1, "--tag '=x': expected KEY=VALUE"),
        (["agent", "--name", "w1"], 1, "error: no Redis URL"),
    ],
)
def test_agent_wrong_input(args: list[str], code: int, message: str, tmp_path: Path) -> None:
    result = run(*args, env={"DEPLOYQ_DATA_DIR": str(tmp_path)})
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_flower_needs_its_basic_auth(tmp_path: Path, redis_url: str) -> None:
    import base64
    import time
    import urllib.error
    import urllib.request

    from deployq.embedded import free_port

    port = free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    proc = subprocess.Popen([sys.executable, "-m", "deployq", "flower", "--basic-auth", "ops:s3cret", "--port",
                             str(port)], env={**base, "DEPLOYQ_REDIS_URL": redis_url},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not statuses:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                statuses.append(200)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
            except OSError:
                time.sleep(0.2)
        assert statuses == [401]
        auth = base64.b64encode(b"ops:s3cret").decode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Authorization": f"Basic {auth}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
