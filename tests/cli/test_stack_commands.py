"""The CLI's commands through the real entry point against a running `deployq up`, wrong input included."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployq.embedded import free_port
from tests.conftest import REPO


class Stack:
    def __init__(self, data: Path, port: int) -> None:
        self.data, self.port = data, port
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
        self.env.update({"DEPLOYQ_DATA_DIR": str(data), "DEPLOYQ_ENDPOINT": f"http://127.0.0.1:{port}",
                         "DEPLOYQ_BEAT_INTERVAL": "1", "DEPLOYQ_HEARTBEAT_INTERVAL": "1"})

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "deployq", *args], env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=180)
        assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
        return result

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def fails(self, *args: str, code: int = 1) -> str:
        result = self.run(*args)
        assert result.returncode == code, result.stdout + result.stderr
        return result.stderr


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    data = tmp_path_factory.mktemp("cli") / "stack"
    port = free_port()
    stack = Stack(data, port)
    proc = subprocess.Popen([sys.executable, "-m", "deployq", "up", "--agents", "2", "--data-dir", str(data),
                             "--port", str(port), "--agent-port-base", str(random.randrange(40000, 50000, 10))],
                            env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    lines = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "deployq is up." in line or not line:
            break
    assert "deployq is up." in "".join(lines), "".join(lines)
    yield stack
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)


def revision_dir(tmp_path: Path, fail: bool = False) -> Path:
    target = tmp_path / "webapp"
    shutil.copytree(REPO / "examples" / "webapp", target)
    scripts = target / "scripts"
    for name in ("start.sh", "stop.sh"):
        (scripts / name).write_text("#!/bin/sh\necho ok\n")
    (scripts / "validate.sh").write_text("#!/bin/sh\n" + ("echo broken >&2; exit 4\n" if fail else "echo ok\n"))
    return target


def test_resources(stack: Stack) -> None:
    assert "applicationId" in stack.ok("app", "create", "cli-app")
    assert "cli-app" in stack.ok("app", "list")
    assert json.loads(stack.ok("-o", "json", "app", "get", "cli-app"))["applicationName"] == "cli-app"
    assert "InvalidApplicationNameException" in stack.fails("app", "create", "bad name")
    assert "ApplicationDoesNotExistException" in stack.fails("app", "get", "nope")
    assert "give at least one --tag" in stack.fails("group", "create", "cli-app", "g")
    assert "DeploymentConfigDoesNotExistException" in stack.fails(
        "group", "create", "cli-app", "g", "--tag", "role=local", "--config", "Nope")
    stack.ok("config", "create", "Half", "--min-healthy-hosts", "50%")
    assert "expected a number" in stack.fails("config", "create", "X", "--min-healthy-hosts", "lots", code=2)
    assert json.loads(stack.ok("-o", "json", "config", "get", "Half"))["minimumHealthyHosts"] == {
        "type": "FLEET_PERCENT", "value": 50}
    assert "Half" in stack.ok("config", "list")
    stack.ok("group", "create", "cli-app", "g", "--tag", "role=local", "--config", "Half", "--health-check-url",
             "http://127.0.0.1:{tags[port]}/")
    assert json.loads(stack.ok("-o", "json", "group", "list", "cli-app")) == ["g"]
    assert json.loads(stack.ok("-o", "json", "group", "get", "cli-app", "g"))["deploymentConfigName"] == "Half"
    assert "DeploymentConfigInUseException" in stack.fails("config", "delete", "Half")
    stack.ok("group", "delete", "cli-app", "g")
    stack.ok("config", "delete", "Half")
    stack.ok("app", "delete", "cli-app")
    instances = json.loads(stack.ok("-o", "json", "instances", "list"))
    assert [i["instanceName"] for i in instances] == ["local-1", "local-2"]
    assert {"Key": "role", "Value": "local"} in instances[0]["tags"]


def test_push_plan_deploy_and_read(stack: Stack, tmp_path: Path) -> None:
    stack.ok("app", "create", "shop")
    stack.ok("group", "create", "shop", "prod", "--tag", "role=local")
    good = revision_dir(tmp_path / "good")
    pushed = json.loads(stack.ok("-o", "json", "push", str(good), "--application", "shop"))["revision"]
    location = f"s3://{pushed['s3Location']['bucket']}/{pushed['s3Location']['key']}"
    assert "To deploy with this revision" in stack.ok("push", str(good), "-a", "shop")
    assert "appspec.yml was not found" in stack.fails("push", str(tmp_path), "-a", "shop")
    assert "ApplicationDoesNotExistException" in stack.fails("push", str(good), "-a", "nope")
    plan = stack.ok("plan", "shop", "prod", "--s3-location", location)
    assert "verdict: ok" in plan and "batch 1: local-1" in plan and "scripts/start.sh" in plan
    out = stack.ok("deploy", "shop", "prod", "--s3-location", location)
    assert "Succeeded" in out and "batch 2" in out
    deployments = json.loads(stack.ok("-o", "json", "deployments", "list", "-a", "shop"))
    first = deployments[0]["deploymentId"]
    assert deployments[0]["status"] == "Succeeded"
    assert "local-2" in stack.ok("deployments", "get", first)
    logs = stack.ok("deployments", "logs", first)
    assert "local-1 ApplicationStart | [stdout]ok" in logs
    assert "DeploymentAlreadyCompletedException" in stack.fails("deployments", "stop", first)
    assert "DeploymentIsNotInReadyStateException" in stack.fails("deployments", "continue", first)
    assert "give exactly one of" in stack.fails("deploy", "shop", "prod")
    assert "DeploymentGroupDoesNotExistException" in stack.fails("deploy", "shop", "nope", "--s3-location", location)
    assert "not valid JSON" in stack.fails("deploy", "shop", "prod", "--revision", "{nope", code=2)
    bad = stack.run("deploy", "shop", "prod", "--dir", str(revision_dir(tmp_path / "bad", fail=True)))
    assert bad.returncode == 1
    assert "HEALTH_CONSTRAINTS" in bad.stdout and "scripts/validate.sh" in bad.stdout
    assert "| [stderr]broken" in bad.stdout
    watched = stack.run("deployments", "get", first, "--watch")
    assert watched.returncode == 0


def test_connection_errors_are_one_line(stack: Stack, tmp_path: Path) -> None:
    away = stack.run("app", "list", env={"DEPLOYQ_ENDPOINT": f"http://127.0.0.1:{free_port()}"})
    assert away.returncode == 1 and "cannot reach" in away.stderr
    bad = stack.run("--token", "nope", "deployments", "list")
    assert bad.returncode == 1 and "not valid" in bad.stderr
    none = stack.run("deployments", "list", env={"DEPLOYQ_DATA_DIR": str(tmp_path)})
    assert none.returncode == 1 and "no credential" in none.stderr
    config = tmp_path / "cli.yml"
    config.write_text("- not a mapping\n")
    assert "expected a mapping" in stack.run("--config", str(config), "app", "list").stderr
