"""Direct unit tests of the appspec API: results, defaults, helpers and file loading."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from deployq.appspec import (
    DEFAULT_TIMEOUT,
    AppSpec,
    EcsAppSpec,
    HookMap,
    HookScript,
    LambdaAppSpec,
    Permission,
    RuleViolation,
    SELinuxRange,
    check_file_permission,
    load_appspec_file,
    normalize_mode,
    parse,
    parse_ace,
    parse_ecs,
    parse_for_platform,
    parse_lambda,
    parse_selinux_range,
)
from deployq.domain.enums import ComputePlatform, FileExistsBehavior
from deployq.errors import AppSpecError, DeployqError

FULL = """\
version: 0.0
os: linux
file_exists_behavior: RETAIN
files:
  - source: app/
    destination: /srv/app
permissions:
  - object: /srv/app
    owner: app
    mode: 0640
    acls: ["u:bob:rw"]
    context:
      type: httpd_sys_content_t
hooks:
  ValidateService:
    - location: scripts/check.sh
      timeout: 30
  BeforeInstall:
    - location: scripts/deps.sh
      runas: root
      sudo: false
  ApplicationStop:
    - location: scripts/stop.sh
"""

LAMBDA = """\
version: 0.0
Resources:
  - fn:
      Type: AWS::Lambda::Function
      Properties: {Name: fn, Alias: live, CurrentVersion: "1", TargetVersion: "2"}
Hooks:
  - BeforeAllowTraffic: check
"""

ECS = """\
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: web:3
        LoadBalancerInfo: {ContainerName: web, ContainerPort: 80}
"""


def test_summary_is_normalized_json() -> None:
    spec = parse(FULL)
    summary = spec.summary()
    assert json.loads(json.dumps(summary)) == summary
    assert summary == {
        "compute_platform": "Server",
        "version": "0.0",
        "os": "linux",
        "file_exists_behavior": "RETAIN",
        "files": [{"source": "app/", "destination": "/srv/app"}],
        "permissions": [
            {
                "object": "/srv/app",
                "pattern": "**",
                "except": [],
                "type": ["file", "directory"],
                "owner": "app",
                "group": None,
                "mode": "0640",
                "acls": ["user:bob:rw-"],
                "context": {"user": None, "type": "httpd_sys_content_t", "range": "s0"},
            }
        ],
        "hooks": {
            "ValidateService": [{"location": "scripts/check.sh", "timeout": 30, "runas": None, "sudo": None}],
            "BeforeInstall": [{"location": "scripts/deps.sh", "timeout": 3600, "runas": "root", "sudo": False}],
            "ApplicationStop": [{"location": "scripts/stop.sh", "timeout": 3600, "runas": None, "sudo": None}],
        },
        "warnings": [],
    }


def test_hooks_keep_the_order_written_and_are_read_only() -> None:
    spec = parse(FULL)
    assert list(spec.hooks) == ["ValidateService", "BeforeInstall", "ApplicationStop"]
    assert spec.scripts_for("BeforeInstall") == (HookScript("scripts/deps.sh", 3600, "root", False),)
    assert spec.scripts_for("AfterInstall") == ()
    assert isinstance(spec.hooks, HookMap)
    assert not hasattr(spec.hooks, "__setitem__")
    assert spec.hooks == HookMap(dict(spec.hooks))
    assert hash(spec.hooks) == hash(HookMap(dict(spec.hooks)))
    with pytest.raises(FrozenInstanceError):
        spec.os = "windows"  # type: ignore[misc]


def test_results_are_equal_and_hashable_when_parsed_twice() -> None:
    assert parse(FULL) == parse(FULL)
    assert hash(parse(FULL)) == hash(parse(FULL))


def test_hook_scripts_remember_key_path_and_line() -> None:
    script = parse(FULL).scripts_for("BeforeInstall")[0]
    assert script.key_path == "hooks.BeforeInstall[0]"
    assert script.line == 19


@pytest.mark.parametrize(
    ("written", "mode"),
    [("0644", "0644"), ("0755", "0755"), ("644", "644"), ('"0644"', "0644"), ("'600'", "600"), ("7", "007")],
)
def test_mode_is_the_text_written_never_decimal(written: str, mode: str) -> None:
    spec = parse(f"version: 0.0\nos: linux\npermissions:\n  - object: /a\n    mode: {written}\n")
    assert spec.permissions[0].mode == mode
    assert spec.permissions[0].mode != "420"


def test_defaults() -> None:
    spec = parse("version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n")
    assert spec.version == 0.0
    assert spec.file_exists_behavior is None
    assert spec.files == () and spec.permissions == ()
    assert spec.scripts_for("AfterInstall")[0].timeout == DEFAULT_TIMEOUT == 3600
    permission = Permission("/srv")
    assert (permission.pattern, permission.types, permission.except_patterns) == ("**", ("file", "directory"), ())
    assert SELinuxRange().text == "s0"


def test_file_exists_behavior_is_the_enum() -> None:
    spec = parse("version: 0.0\nos: linux\nfile_exists_behavior: DISALLOW\n")
    assert spec.file_exists_behavior is FileExistsBehavior.DISALLOW


def test_error_carries_file_key_path_and_line() -> None:
    text = "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 5m\n"
    with pytest.raises(AppSpecError) as caught:
        parse(text, filename="bundle/appspec.yml")
    err = caught.value
    assert isinstance(err, DeployqError)
    assert (err.path, err.key_path, err.line) == ("bundle/appspec.yml", "hooks.AfterInstall[0].timeout", 6)
    assert str(err).startswith("bundle/appspec.yml: line 6: hooks.AfterInstall[0].timeout: The deployment failed")
    assert err.aws_code == "InvalidRevisionException"


def test_os_name_must_be_an_agent_platform() -> None:
    with pytest.raises(ValueError, match="os_name"):
        parse("version: 0.0\nos: linux\n", os_name="macos")


def test_unknown_keys_hint_at_case_and_platform() -> None:
    spec = parse("version: 0.0\nos: linux\nFiles: []\nResources: []\n")
    assert any("did you mean 'files'?" in warning for warning in spec.warnings)
    assert any("'Resources' belongs to Lambda and ECS" in warning for warning in spec.warnings)


def test_rule_helpers() -> None:
    assert normalize_mode("44") == "044"
    with pytest.raises(RuleViolation, match=r"invalid character \(9\)"):
        normalize_mode("049")
    entry = parse_ace("d:g:ops:5")
    assert (entry.default, entry.kind, entry.name, entry.text) == (True, "group", "ops", "default:group:ops:r-x")
    assert parse_selinux_range("s1-s3:c7,c2.c4").categories == (2, 3, 4, 7)
    assert parse_selinux_range("s1-s3:c7,c2.c4").text == "s1-s3:c2.c4,c7"
    with pytest.raises(RuleViolation, match="duplicate categories"):
        parse_selinux_range("s0:c1,c1")


def _permission(extra: str) -> Permission:
    spec = parse(f"version: 0.0\nos: linux\npermissions:\n  - object: /srv/app/run.sh\n{extra}")
    return spec.permissions[0]


def test_check_file_permission_accepts_a_plain_file_entry() -> None:
    check_file_permission(_permission("    mode: 755\n    acls: [u:bob:rx]\n"))


@pytest.mark.parametrize(
    ("extra", "message", "key_path"),
    [
        ('    pattern: "*.sh"\n', "includes an object (/srv/app/run.sh) with an invalid pattern (*.sh)", "pattern"),
        ("    except: [a.sh]\n", 'permissions section (["a.sh"]) for the object named /srv/app/run.sh', "except"),
        ("    acls: [d:u:bob:rx]\n", "the -d parameter has been specified to apply an acl setting to a file", "acls"),
    ],
)
def test_check_file_permission_rules(extra: str, message: str, key_path: str) -> None:
    with pytest.raises(AppSpecError) as caught:
        check_file_permission(_permission(extra), filename="appspec.yml")
    assert message in str(caught.value)
    assert caught.value.key_path == f"permissions[0].{key_path}"
    assert caught.value.line == 4


def test_pattern_rules_skip_directory_only_entries() -> None:
    check_file_permission(_permission('    pattern: "*.sh"\n    type: [directory]\n'))


def test_lambda_and_ecs_results() -> None:
    lam = parse_lambda(LAMBDA)
    assert isinstance(lam, LambdaAppSpec)
    assert (lam.resource_name, lam.function.alias, lam.hooks[0].event) == ("fn", "live", "BeforeAllowTraffic")
    assert lam.summary()["resource"]["type"] == "AWS::Lambda::Function"
    ecs = parse_ecs(ECS)
    assert isinstance(ecs, EcsAppSpec)
    assert (ecs.service.task_definition, ecs.service.container_port, ecs.hooks) == ("web:3", 80, ())
    assert json.loads(json.dumps(ecs.summary())) == ecs.summary()


def test_parse_for_platform_dispatches() -> None:
    assert isinstance(parse_for_platform(LAMBDA, ComputePlatform.LAMBDA), LambdaAppSpec)
    assert isinstance(parse_for_platform(ECS, "ECS"), EcsAppSpec)
    assert isinstance(parse_for_platform("version: 0.0\nos: windows\n", "Server", os_name="windows"), AppSpec)
    with pytest.raises(AppSpecError, match="has no Resources section"):
        parse_for_platform("version: 0.0\nos: linux\n", ComputePlatform.LAMBDA)


# ----------------------------------------------------------------------------------------------------
# load_appspec_file
# ----------------------------------------------------------------------------------------------------


def test_load_reads_appspec_yml(tmp_path: Path) -> None:
    (tmp_path / "appspec.yml").write_text("version: 0.0\nos: linux\n", encoding="utf-8")
    spec = load_appspec_file(tmp_path, os_name="linux", strict=False)
    assert spec.os == "linux" and spec.warnings == ()


def test_load_falls_back_to_appspec_yaml(tmp_path: Path) -> None:
    (tmp_path / "appspec.yaml").write_text("version: 0.0\nos: windows\n", encoding="utf-8")
    spec = load_appspec_file(tmp_path, os_name="windows", strict=True)
    assert spec.os == "windows"


def test_load_prefers_appspec_yml_and_warns(tmp_path: Path) -> None:
    (tmp_path / "appspec.yml").write_text("version: 0.0\nos: linux\n", encoding="utf-8")
    (tmp_path / "appspec.yaml").write_text("not: [valid\n", encoding="utf-8")
    spec = load_appspec_file(tmp_path, os_name="linux", strict=False)
    assert len(spec.warnings) == 1 and "appspec.yaml: ignored because appspec.yml exists" in spec.warnings[0]


def test_load_names_the_file_in_parse_errors(tmp_path: Path) -> None:
    (tmp_path / "appspec.yaml").write_text("version: 1\nos: linux\n", encoding="utf-8")
    with pytest.raises(AppSpecError) as caught:
        load_appspec_file(tmp_path, os_name="linux", strict=False)
    assert caught.value.path == str(tmp_path / "appspec.yaml")
    assert caught.value.line == 1


def test_load_without_appspec_names_the_expected_file(tmp_path: Path) -> None:
    with pytest.raises(AppSpecError) as caught:
        load_appspec_file(tmp_path, os_name="linux", strict=False)
    message = str(caught.value)
    assert caught.value.path == str(tmp_path / "appspec.yml")
    assert "did not find an AppSpec file within the unpacked revision directory" in message
    assert "no appspec.yaml either" in message


def test_load_a_file_path_directly_and_a_missing_one(tmp_path: Path) -> None:
    target = tmp_path / "custom.yml"
    target.write_bytes(b"\xef\xbb\xbfversion: 0.0\nos: linux\n")
    assert load_appspec_file(target, os_name="linux", strict=False).os == "linux"
    with pytest.raises(AppSpecError, match="was expected but not found"):
        load_appspec_file(tmp_path / "missing.yml", os_name="linux", strict=False)


def test_load_rejects_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "appspec.yml").write_bytes(b"version: 0.0\nos: \xff\n")
    with pytest.raises(AppSpecError, match="not UTF-8") as caught:
        load_appspec_file(tmp_path, os_name="linux", strict=False)
    assert caught.value.line == 2
