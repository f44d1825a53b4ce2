"""The test harness: a throwaway Redis, PostgreSQL databases, real worker processes.

Nothing here fakes a server: Redis is a real server on a free port (the same binary choice as the
embedded default), PostgreSQL is the real one (a fresh database for the session), workers are
real ``deployq`` processes.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from deployq.embedded import RedisServer
from deployq.processes import spawn, stop, tail
from deployq.store import Store
from deployq.store.models import Base

REPO = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
#: Set in CI: a missing PostgreSQL fails the run instead of skipping its tests.
REQUIRE_POSTGRES = os.environ.get("DEPLOYQ_TEST_REQUIRE_POSTGRES") == "1"
POSTGRES_ADMIN_URL = os.environ.get(
    "DEPLOYQ_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"), persist=False).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield redis_server.url
    client.flushall()
    client.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    name = f"deployq_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if REQUIRE_POSTGRES:
            pytest.fail(f"DEPLOYQ_TEST_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    url = sa.engine.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_database(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        Base.metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: SQLite in a temporary directory, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'deployq.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_database(url)
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    store = Store(database_url)
    store.migrate()
    yield store
    store.close()


def deployq_env(tmp_path: Path, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOYQ_")}
    env.update({
        "DEPLOYQ_DATA_DIR": str(tmp_path / "data"),
        "DEPLOYQ_REDIS_URL": redis_url,
        "DEPLOYQ_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'deployq.db'}",
        "DEPLOYQ_BEAT_INTERVAL": "0.5",
        **extra,
    })
    return env


class Processes:
    """Real ``deployq`` processes started by a test and always stopped after it."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.started: list[tuple[str, object]] = []

    def start(self, name: str, *args: str, env: dict[str, str]) -> object:
        log = self.tmp_path / "logs" / f"{name}.log"
        proc = spawn([sys.executable, "-m", "deployq", *args], env=env, log=log)
        self.started.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        return tail(self.tmp_path / "logs" / f"{name}.log", 60)

    def stop_all(self) -> None:
        stop([proc for _, proc in self.started], grace=10.0)  # type: ignore[misc]


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
