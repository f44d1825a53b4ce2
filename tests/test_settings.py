from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from deployq.config.settings import SETTINGS, Settings, load_settings, redact_url, settings_markdown
from deployq.errors import ConfigurationError

REPO = Path(__file__).resolve().parent.parent


def test_defaults() -> None:
    settings = load_settings({})
    assert settings.data_dir == Path(".deployq")
    assert settings.redis_url is None
    assert settings.sqlalchemy_url.endswith("/.deployq/deployq.db")
    assert settings.sqlalchemy_url.startswith("sqlite:///")


def test_the_table_and_the_dataclass_agree() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(Settings) if f.name != "sources"}
    assert fields == {spec.name: spec.default for spec in SETTINGS}


def test_environment_over_file_over_default(tmp_path: Path) -> None:
    config = tmp_path / "deployq.yml"
    config.write_text("redis_prefix: from-file\nbeat_interval: 2\nlog_level: DEBUG\n")
    env = {"DEPLOYQ_CONFIG": str(config), "DEPLOYQ_BEAT_INTERVAL": "1.5"}
    settings = load_settings(env)
    assert settings.redis_prefix == "from-file"
    assert settings.beat_interval == 1.5
    assert settings.log_level == "DEBUG"
    assert settings.sources["beat_interval"] == "DEPLOYQ_BEAT_INTERVAL"
    assert settings.sources["redis_prefix"] == str(config)
    assert load_settings(env, beat_interval=9).beat_interval == 9.0


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.redis_prefix = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEPLOYQ_VISIBILITY_TIMEOUT": "soon"}, "DEPLOYQ_VISIBILITY_TIMEOUT: expected a whole number, got 'soon'"),
        ({"DEPLOYQ_VISIBILITY_TIMEOUT": "10"}, "at least 60 seconds"),
        ({"DEPLOYQ_BEAT_INTERVAL": "-1"}, "DEPLOYQ_BEAT_INTERVAL must be a positive"),
        ({"DEPLOYQ_LOG_LEVEL": "LOUD"}, "DEPLOYQ_LOG_LEVEL must be one of"),
        ({"DEPLOYQ_REDIS_URL": "http://x:secret@h"}, "DEPLOYQ_REDIS_URL must be a redis:// URL, got 'http://x:***@h'"),
        ({"DEPLOYQ_CONFIG": "/nonexistent/deployq.yml"}, "/nonexistent/deployq.yml: cannot read"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as exc:
        load_settings(env)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("redis_prefx: x\n", "unknown setting(s) redis_prefx"),
        ("- a\n- b\n", "must be a mapping"),
        ("a: [\n", "line 2 is not valid YAML"),
        ("visibility_timeout: true\n", "visibility_timeout: expected a whole number"),
    ],
)
def test_bad_settings_file(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "deployq.yml"
    config.write_text(text)
    with pytest.raises(ConfigurationError) as exc:
        load_settings({"DEPLOYQ_CONFIG": str(config)})
    assert message in str(exc.value)
    assert str(config) in str(exc.value)


def test_passwords_are_redacted() -> None:
    assert redact_url("redis://:s3cret@host:6379/0") == "redis://:***@host:6379/0"
    assert redact_url("postgresql+psycopg://u:pw@db/x") == "postgresql+psycopg://u:***@db/x"
    assert redact_url("redis://host") == "redis://host"
    settings = load_settings({"DEPLOYQ_DATABASE_URL": "postgresql+psycopg://u:pw@db/x"})
    assert "pw" not in str(settings.redacted())


def test_readme_documents_every_setting() -> None:
    readme = (REPO / "README.md").read_text()
    assert settings_markdown() in readme, "regenerate the table with `deployq settings --markdown`"


def test_example_settings_file_loads() -> None:
    settings = load_settings({"DEPLOYQ_CONFIG": str(REPO / "config" / "deployq.example.yml")})
    assert settings.sources


def test_signed_links_are_redacted() -> None:
    assert redact_url("http://h/api/v1/bundles/a/b.zip?expires=9&signature=abc") == (
        "http://h/api/v1/bundles/a/b.zip?expires=9&signature=***")
    assert redact_url("https://u:pw@h/x?token=t&a=1") == "https://u:***@h/x?token=***&a=1"
