"""Table-driven appspec cases: one file per case under ``cases/``.

A case file starts with a header of ``# name: value`` lines, then a blank line, then the appspec text.
The header lines are blanked (not removed) before parsing, so ``line`` is the line number an editor
shows for the case file. Header keys:

``expect``   ``ok`` or ``error`` (required)
``kind``     ``server`` (default), ``lambda`` or ``ecs``
``os``       the agent platform for server files (default ``linux``)
``strict``   ``true`` to parse in strict mode
``error``    a substring of the error message (repeatable)
``key``      the exact key path of the error (``-`` = none)
``line``     the exact 1-based line of the error (``-`` = none)
``warning``  a substring that some warning must contain (repeatable)
``warnings`` ``none``: the result must carry no warnings
``value``    ``<path> = <json>``: a value in ``summary()`` (dotted path, list indexes as numbers;
             ``@hooks`` is the list of hook events in order)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from deployq.appspec import AppSpec, EcsAppSpec, LambdaAppSpec, parse, parse_ecs, parse_lambda
from deployq.errors import AppSpecError

CASES_DIR = Path(__file__).parent / "cases"
HEADER = re.compile(r"^# ([a-z]+): (.*)$")
KNOWN = {"expect", "kind", "os", "strict", "error", "key", "line", "warning", "warnings", "value"}


@dataclass
class Case:
    path: Path
    text: str
    header: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str, default: str | None = None) -> str | None:
        values = self.header.get(name)
        return values[-1] if values else default

    def many(self, name: str) -> list[str]:
        return self.header.get(name, [])


def load_case(path: Path) -> Case:
    lines = path.read_text(encoding="utf-8").split("\n")
    header: dict[str, list[str]] = {}
    body = list(lines)
    for index, line in enumerate(lines):
        match = HEADER.match(line)
        if not match:
            break
        name, value = match.groups()
        assert name in KNOWN, f"{path.name}: unknown header key {name!r}"
        header.setdefault(name, []).append(value.strip())
        body[index] = ""
    return Case(path, "\n".join(body), header)


def case_files() -> list[Path]:
    return sorted(CASES_DIR.glob("*.y*ml")) + sorted(CASES_DIR.glob("*.json"))


def run(case: Case) -> AppSpec | LambdaAppSpec | EcsAppSpec:
    kind = case.one("kind", "server")
    strict = case.one("strict", "false") == "true"
    if kind == "lambda":
        return parse_lambda(case.text, filename=case.path.name, strict=strict)
    if kind == "ecs":
        return parse_ecs(case.text, filename=case.path.name, strict=strict)
    assert kind == "server", f"{case.path.name}: unknown kind {kind!r}"
    return parse(case.text, filename=case.path.name, os_name=case.one("os", "linux") or "linux", strict=strict)


def lookup(spec: AppSpec | LambdaAppSpec | EcsAppSpec, path: str) -> Any:
    if path == "@hooks":
        assert isinstance(spec, AppSpec)
        return list(spec.hooks)
    value: Any = spec.summary()
    for part in path.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def test_there_are_enough_cases() -> None:
    files = case_files()
    assert len(files) >= 80
    verdicts = {load_case(path).one("expect") for path in files}
    assert verdicts == {"ok", "error"}


@pytest.mark.parametrize("path", case_files(), ids=lambda path: path.name)
def test_case(path: Path) -> None:
    case = load_case(path)
    expect = case.one("expect")
    assert expect in ("ok", "error"), f"{path.name}: header needs '# expect: ok|error'"
    if expect == "error":
        assert not case.many("value") and not case.many("warning"), "error cases check the error only"
        with pytest.raises(AppSpecError) as caught:
            run(case)
        err = caught.value
        message = str(err)
        assert case.many("error"), f"{path.name}: an error case needs '# error: …'"
        for expected in case.many("error"):
            assert expected in message, f"{expected!r} not in {message!r}"
        assert err.reason.startswith("The deployment failed because "), message
        assert err.path == path.name and message.startswith(path.name), message
        key = case.one("key")
        if key is not None:
            assert err.key_path == (None if key == "-" else key), message
        line = case.one("line")
        if line is not None:
            assert err.line == (None if line == "-" else int(line)), message
            if line != "-":
                assert f"line {line}" in message
        assert "Traceback" not in message
        return
    assert not case.many("error") and case.one("key") is None, "ok cases take no error/key headers"
    assert case.many("value") or case.many("warning") or case.one("warnings"), "ok cases check something"
    spec = run(case)
    assert spec.version == 0.0
    for expected in case.many("warning"):
        assert any(expected in warning for warning in spec.warnings), f"{expected!r} not in {spec.warnings!r}"
    if case.one("warnings") == "none":
        assert spec.warnings == ()
    for warning in spec.warnings:
        assert warning.startswith(f"{path.name}: line "), warning
    for check in case.many("value"):
        where, _, literal = check.partition(" = ")
        assert lookup(spec, where.strip()) == json.loads(literal), check
    assert json.loads(json.dumps(spec.summary())) == spec.summary()
