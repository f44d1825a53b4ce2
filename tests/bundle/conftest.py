"""Real servers for the bundle tests: moto_server (S3), an HTTP server in a thread, git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from deployq.bundle import FetchOptions
from deployq.embedded import free_port
from tests.conftest import wait_for

AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def _moto_binary() -> str:
    beside = Path(sys.executable).parent / "moto_server"
    found = str(beside) if beside.exists() else shutil.which("moto_server")
    if found is None:
        pytest.fail("moto_server is not installed (pip install 'moto[server]')")
    return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real moto S3 server on 127.0.0.1, for the whole session; always terminated."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([_moto_binary(), "-H", "127.0.0.1", "-p", str(port)], stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ, **AWS_ENV})
    try:
        wait_for(lambda: proc.poll() is not None or _answers(url), timeout=30, what="moto_server to answer")
        if proc.poll() is not None:
            pytest.fail(f"moto_server exited with {proc.returncode}:\n{log.read_text()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@dataclass
class S3:
    endpoint: str
    client: Any
    bucket: str

    def options(self, **extra: Any) -> FetchOptions:
        return FetchOptions(s3_endpoint_url=self.endpoint, retry_delay=0, retry_max_delay=0, http_timeout=10, **extra)


@pytest.fixture
def s3(moto_endpoint: str, aws_env: None) -> S3:
    """A fresh bucket on the moto server and a boto3 client pointing at it."""
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    bucket = f"bundles-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return S3(moto_endpoint, client, bucket)


@dataclass
class Web:
    """A real HTTP server on 127.0.0.1 serving ``root``; it records every request's headers.

    ``/flaky/<n>/<file>`` answers 503 to the first ``n`` requests for it, then serves ``<file>``;
    ``/redirect/<file>`` answers 302 to ``/<file>``.
    """

    root: Path
    url: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    hits: dict[str, int] = field(default_factory=dict)


def _handler(web: Web) -> type[SimpleHTTPRequestHandler]:
    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(web.root), **kwargs)

        def do_GET(self) -> None:
            web.requests.append((self.path, dict(self.headers.items())))
            web.hits[self.path] = web.hits.get(self.path, 0) + 1
            parts = self.path.split("/")
            if self.path.startswith("/flaky/"):
                if web.hits[self.path] <= int(parts[2]):
                    self.send_error(HTTPStatus.SERVICE_UNAVAILABLE)
                    return
                self.path = "/" + "/".join(parts[3:])
            elif self.path.startswith("/redirect/"):
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", "/" + "/".join(parts[2:]))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    root = tmp_path / "www"
    root.mkdir()
    holder = Web(root, "")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(holder))
    holder.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield holder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@dataclass
class GitRepo:
    base: Path
    repository: str
    commits: list[str]


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepo:
    """A bare repository ``<base>/acct/app.git`` with two commits made with the real git CLI."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path / "git"
    bare = base / "acct" / "app.git"
    bare.parent.mkdir(parents=True)
    git("init", "-q", "--bare", str(bare))
    work = tmp_path / "work"
    git("init", "-q", str(work))
    (work / "appspec.yml").write_text("version: 0.0\nos: linux\n")
    (work / "index.html").write_text("v1\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "one", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work)
    (work / "index.html").write_text("v2\n")
    (work / "scripts").mkdir()
    (work / "scripts" / "start.sh").write_text("#!/bin/sh\necho start\n")
    (work / "scripts" / "start.sh").chmod(0o755)
    os.symlink("index.html", work / "current.html")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "two", cwd=work)
    second = git("rev-parse", "HEAD", cwd=work)
    git("push", "-q", str(bare), "HEAD:refs/heads/main", cwd=work)
    git("symbolic-ref", "HEAD", "refs/heads/main", cwd=bare)
    return GitRepo(base, "acct/app", [first, second])
