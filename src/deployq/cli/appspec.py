"""``deployq appspec validate``: check an appspec file the way an agent will, before deploying it."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from deployq.appspec import (
    APPSPEC_NAMES,
    AppSpec,
    EcsAppSpec,
    LambdaAppSpec,
    load_appspec_file,
    parse_for_platform,
    read_text,
)
from deployq.domain.enums import ComputePlatform


@click.group()
def appspec() -> None:
    """Work with appspec.yml files."""


@appspec.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--os", "os_name", type=click.Choice(["linux", "windows"]), default="linux", show_default=True,
              help="The platform of the agents that will run it.")
@click.option("--platform", type=click.Choice([p.value for p in ComputePlatform], case_sensitive=False),
              default=ComputePlatform.SERVER.value, show_default=True, help="The compute platform.")
@click.option("--strict", is_flag=True,
              help="Also reject unknown keys and events, per-event timeout sums over 3600 s and hooks on "
                   "events that run no scripts.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def validate(path: Path, os_name: str, platform: str, strict: bool, output: str) -> None:
    """Validate PATH (an appspec file, or a revision directory holding appspec.yml).

    Exit 0 and print a normalized summary when it is valid; exit 1 and print the error (CodeDeploy's
    wording, the key path and the line) when it is not. Warnings go to stderr."""
    chosen = ComputePlatform(next(p for p in ComputePlatform if p.value.lower() == platform.lower()))
    spec: AppSpec | LambdaAppSpec | EcsAppSpec
    if chosen is ComputePlatform.SERVER:
        spec = load_appspec_file(path, os_name=os_name, strict=strict)
    else:
        file = path
        if path.is_dir():
            file = next((path / n for n in APPSPEC_NAMES if (path / n).is_file()), path / APPSPEC_NAMES[1])
        spec = parse_for_platform(read_text(file), chosen, filename=str(file), strict=strict)
    for warning in getattr(spec, "warnings", ()):
        click.echo(f"warning: {warning}", err=True)
    summary = spec.summary()
    if output == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        summary.pop("warnings", None)  # already on stderr
        click.echo(f"{path}: valid {chosen.value} appspec")
        click.echo(yaml.safe_dump(summary, sort_keys=False, default_flow_style=False).rstrip())
