"""``deployq bundle``: zip a revision directory the way ``aws deploy push`` does."""

from __future__ import annotations

from pathlib import Path

import click

from deployq.bundle import build_bundle


@click.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The zip file to write.")
@click.option("--ignore-hidden-files/--no-ignore-hidden-files", default=False, show_default=True,
              help="Leave out files and directories whose names start with a dot.")
def bundle(source: Path, output: Path, ignore_hidden_files: bool) -> None:
    """Build a revision bundle (zip) from SOURCE, which must hold appspec.yml at its root."""
    info = build_bundle(source, output, ignore_hidden=ignore_hidden_files)
    click.echo(f"{info.path}: {len(info.entries)} entries, {info.size} bytes, sha256 {info.sha256}")
