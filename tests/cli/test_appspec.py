"""`deployq appspec validate` through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

VALID = """\
version: 0.0
os: linux
files:
  - source: app
    destination: /srv/app
permissions:
  - object: /srv/app
    mode: 0644
    type: [file]
hooks:
  ApplicationStart:
    - location: scripts/start.sh
      timeout: 30
      runas: www-data
"""


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    return subprocess.run([sys.executable, "-m", "deployq", "appspec", "validate", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def write(tmp_path: Path, text: str, name: str = "appspec.yml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_valid_appspec_prints_a_normalized_summary(tmp_path: Path) -> None:
    write(tmp_path, VALID)
    result = validate(str(tmp_path), "--output", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["version"] == "0.0"
    assert summary["permissions"][0]["mode"] == "0644"  # octal as written, never 420
    assert summary["hooks"]["ApplicationStart"] == [
        {"location": "scripts/start.sh", "timeout": 30, "runas": "www-data", "sudo": None}
    ]
    text = validate(str(tmp_path / "appspec.yml"))
    assert text.returncode == 0
    assert "valid Server appspec" in text.stdout


@pytest.mark.parametrize(
    ("text", "args", "expected"),
    [
        (VALID.replace("timeout: 30", "timeout: 5m"), [],
         "line 13: hooks.ApplicationStart[0].timeout: The deployment failed because an invalid timeout value"),
        (VALID.replace("version: 0.0", "version: 1.0"), [],
         "line 1: version: The deployment failed because an invalid version value (1.0) was entered"),
        (VALID, ["--os", "windows"],
         "The deployment failed because the application specification file specifies an unsupported operating "
         "system (linux)"),
        ("", [], "the application specification file was empty"),
        (VALID + "  Bogus:\n    - location: x.sh\n", ["--strict"], "hooks.Bogus"),
    ],
)
def test_invalid_appspec_is_one_line_with_place(tmp_path: Path, text: str, args: list[str], expected: str) -> None:
    path = write(tmp_path, text)
    result = validate(str(path), *args)
    assert result.returncode == 1
    assert expected in result.stderr
    assert str(path) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_warnings_go_to_stderr(tmp_path: Path) -> None:
    path = write(tmp_path, VALID + "  Bogus:\n    - location: x.sh\n")
    result = validate(str(path))
    assert result.returncode == 0
    assert "warning:" in result.stderr and "Bogus" in result.stderr
    assert "warning:" not in result.stdout


def test_missing_appspec_in_a_directory(tmp_path: Path) -> None:
    result = validate(str(tmp_path))
    assert result.returncode == 1
    assert "appspec.yml" in result.stderr


def test_lambda_appspec(tmp_path: Path) -> None:
    path = write(tmp_path, """\
version: 0.0
Resources:
  - myFunction:
      Type: AWS::Lambda::Function
      Properties:
        Name: fn
        Alias: live
        CurrentVersion: "1"
        TargetVersion: "2"
Hooks:
  - BeforeAllowTraffic: checkFn
""", "appspec.yaml")
    result = validate(str(path), "--platform", "Lambda", "--output", "json")
    assert result.returncode == 0, result.stderr
    assert "fn" in result.stdout and "checkFn" in result.stdout


def test_nonexistent_path_is_a_usage_error(tmp_path: Path) -> None:
    result = validate(str(tmp_path / "nope.yml"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
