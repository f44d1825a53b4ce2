"""``deployq.appspec``: parse and validate CodeDeploy AppSpec files. Pure: no I/O except
:func:`load_appspec_file`, no Celery, SQL, Redis or HTTP.

* :func:`parse` — EC2/on-premises appspec (``version``, ``os``, ``hooks``, ``files``, ``permissions``,
  ``file_exists_behavior``) → :class:`AppSpec`.
* :func:`parse_lambda` / :func:`parse_ecs` — Lambda and ECS appspecs → :class:`LambdaAppSpec` /
  :class:`EcsAppSpec`; :func:`parse_for_platform` picks one by compute platform.
* :func:`load_appspec_file` — read ``appspec.yml`` (falling back to ``appspec.yaml``) from a revision.

Every error is a :class:`deployq.errors.AppSpecError` whose message is CodeDeploy's text (where CodeDeploy
has one) plus the file name, the key path (``hooks.AfterInstall[0].timeout``) and the 1-based line.
Non-fatal findings are collected as strings in ``warnings`` of the result; ``strict=True`` turns unknown
keys and hook events into errors and adds the AWS appspec-assistant's rules.

Decisions where CodeDeploy's agents and docs disagree (§13 of the reference) and where the agents crash:

* ``version: "0.0"`` (quoted) is accepted with a warning (the agents reject it, though their message
  asks for "0.0"); ``0``, ``0.0``, ``0.00`` are accepted; anything else is CodeDeploy's invalid version
  error.
* ``mode`` is the text written: unquoted ``0644`` is octal 644 (agent v2), never 420 (agent v1).
* ``timeout`` is a whole number of seconds > 0 written as decimal digits, quoted or not (no ``to_i``:
  "5m" and 30.9 are errors; an unquoted ``0600`` is 600, not YAML 1.1's octal 384), default 3600, no
  cap per script.
* The SELinux user is read from ``name:``; ``user:`` is an alias (with a warning). A context without
  ``range`` gets ``s0`` (agent v1 crashes).
* CodeDeploy's typos "specifiles" and "filespecifies" are fixed (as agent v2 fixes them); every other
  CodeDeploy text is kept verbatim, including "Correct the ACL in the hooks section".
* Aliases/anchors are refused (Ruby ≥ 3.1 agents refuse them too); tabs and syntax errors give the line
  and column; hook locations may not climb out of the archive with ``..`` (agent v1 allows it).
"""

from __future__ import annotations

from deployq.appspec.loader import APPSPEC_NAMES, load_appspec_file, parse_for_platform, read_text
from deployq.appspec.messages import RuleViolation
from deployq.appspec.model import (
    DEFAULT_TIMEOUT,
    AclEntry,
    AppSpec,
    AwsVpcConfiguration,
    CapacityProviderStrategyItem,
    EcsAppSpec,
    EcsService,
    FileMapping,
    HookMap,
    HookScript,
    LambdaAppSpec,
    LambdaFunction,
    Permission,
    SELinuxContext,
    SELinuxRange,
    ServerlessHook,
)
from deployq.appspec.permissions import check_file_permission, normalize_mode, parse_ace, parse_selinux_range
from deployq.appspec.server import SCRIPT_EVENTS, parse
from deployq.appspec.serverless import ECS_HOOK_EVENTS, LAMBDA_HOOK_EVENTS, parse_ecs, parse_lambda

__all__ = [
    "APPSPEC_NAMES",
    "DEFAULT_TIMEOUT",
    "ECS_HOOK_EVENTS",
    "LAMBDA_HOOK_EVENTS",
    "SCRIPT_EVENTS",
    "AclEntry",
    "AppSpec",
    "AwsVpcConfiguration",
    "CapacityProviderStrategyItem",
    "EcsAppSpec",
    "EcsService",
    "FileMapping",
    "HookMap",
    "HookScript",
    "LambdaAppSpec",
    "LambdaFunction",
    "Permission",
    "RuleViolation",
    "SELinuxContext",
    "SELinuxRange",
    "ServerlessHook",
    "check_file_permission",
    "load_appspec_file",
    "normalize_mode",
    "parse",
    "parse_ace",
    "parse_ecs",
    "parse_for_platform",
    "parse_lambda",
    "parse_selinux_range",
    "read_text",
]
