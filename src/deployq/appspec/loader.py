"""Finding and reading an appspec file, and choosing the parser for a compute platform."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from deployq.appspec import messages
from deployq.appspec.model import AppSpec, EcsAppSpec, LambdaAppSpec
from deployq.appspec.server import parse
from deployq.appspec.serverless import parse_ecs, parse_lambda
from deployq.domain.enums import ComputePlatform
from deployq.errors import AppSpecError

APPSPEC_NAMES = ("appspec.yml", "appspec.yaml")


def read_text(path: Path) -> str:
    """The text of an appspec file (UTF-8, an optional BOM); unreadable files raise AppSpecError."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AppSpecError(
            messages.PREFIX + f"the AppSpec file could not be read ({exc.strerror or exc}).", path=str(path)
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise AppSpecError(
            messages.yaml_error(f"the file is not UTF-8 text (byte {exc.start}, line {line})"),
            path=str(path),
            line=line,
        ) from None


def load_appspec_file(path: Path, *, os_name: str = "linux", strict: bool = False) -> AppSpec:
    """Read and parse the server appspec of a revision.

    ``path`` is the revision directory or the appspec file itself. In a directory, ``appspec.yml`` is
    read, and ``appspec.yaml`` when there is no ``appspec.yml``. Unlike agent v1, whose hook events
    look only for ``appspec.yml``, deployq uses the same fallback for every step (as agent v2 does).
    When both files exist, ``appspec.yml`` wins and the result carries a warning. When neither exists,
    AppSpecError names the file that was expected, with CodeDeploy's "did not find an AppSpec file" text.
    """
    path = Path(path)
    if path.is_dir():
        found = [path / name for name in APPSPEC_NAMES if (path / name).is_file()]
        if not found:
            expected = path / APPSPEC_NAMES[0]
            raise AppSpecError(
                messages.with_detail(
                    messages.appspec_not_found(APPSPEC_NAMES[0], str(path), str(expected)),
                    f"no {APPSPEC_NAMES[1]} either",
                ),
                path=str(expected),
            )
        spec = parse(read_text(found[0]), filename=str(found[0]), os_name=os_name, strict=strict)
        if len(found) > 1:
            note = f"{found[1]}: ignored because {found[0].name} exists in the same directory"
            spec = dataclasses.replace(spec, warnings=(*spec.warnings, note))
        return spec
    if not path.is_file():
        raise AppSpecError(
            messages.appspec_not_found(path.name, str(path.parent), str(path)),
            path=str(path),
        )
    return parse(read_text(path), filename=str(path), os_name=os_name, strict=strict)


def parse_for_platform(
    text: str,
    platform: ComputePlatform | str,
    *,
    filename: str = "appspec.yml",
    os_name: str = "linux",
    strict: bool = False,
) -> AppSpec | LambdaAppSpec | EcsAppSpec:
    """Parse ``text`` as the appspec of ``platform`` (Server, Lambda or ECS)."""
    platform = ComputePlatform(platform)
    if platform is ComputePlatform.LAMBDA:
        return parse_lambda(text, filename=filename, strict=strict)
    if platform is ComputePlatform.ECS:
        return parse_ecs(text, filename=filename, strict=strict)
    return parse(text, filename=filename, os_name=os_name, strict=strict)
