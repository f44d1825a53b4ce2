"""`deployq bundle` through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    return subprocess.run([sys.executable, "-m", "deployq", "bundle", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_bundle_builds_a_zip_with_hidden_files_by_default(tmp_path: Path) -> None:
    src = tmp_path / "app"
    (src / "scripts").mkdir(parents=True)
    (src / "appspec.yml").write_text("version: 0.0\nos: linux\n")
    (src / "scripts" / "start.sh").write_text("#!/bin/sh\n")
    (src / ".env").write_text("X=1\n")
    out = tmp_path / "app.zip"
    result = run(str(src), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "sha256" in result.stdout
    names = set(zipfile.ZipFile(out).namelist())
    assert {"appspec.yml", "scripts/start.sh", ".env"} <= names
    hidden = run(str(src), "-o", str(tmp_path / "b.zip"), "--ignore-hidden-files")
    assert hidden.returncode == 0
    assert ".env" not in zipfile.ZipFile(tmp_path / "b.zip").namelist()


def test_bundle_without_appspec_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    result = run(str(tmp_path / "app"), "-o", str(tmp_path / "x.zip"))
    assert result.returncode == 1
    assert f"{tmp_path / 'app'}/appspec.yml was not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x.zip").exists()


def test_bundle_needs_an_output(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert "Missing option '-o'" in result.stderr
