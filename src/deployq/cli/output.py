"""Printing results: a rich table for people, JSON for scripts (``--output json``)."""

from __future__ import annotations

import datetime
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from deployq.cli.client import Api, Connection


@dataclass
class Options:
    endpoint: str | None = None
    token: str | None = None
    config: str | None = None
    output: str = "text"

    def api(self) -> Api:
        return Api(Connection.resolve(self.endpoint, self.token, self.config))

    @property
    def json(self) -> bool:
        return self.output == "json"


def options() -> Options:
    ctx = click.get_current_context()
    obj = ctx.find_object(Options)
    return obj or Options()


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def emit(data: Any, columns: Sequence[str] = (), rows: Sequence[Sequence[Any]] = (), title: str | None = None) -> None:
    """JSON of ``data`` with ``--output json``; else a table of ``rows`` (or the data as key: value)."""
    if options().json:
        click.echo(json.dumps(data, indent=2, default=_default))
        return
    console = Console(width=None if sys.stdout.isatty() else 160)
    if columns:
        table = Table(*columns, title=title)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)
    elif isinstance(data, dict):
        for key, value in data.items():
            shown = json.dumps(value, default=_default) if isinstance(value, dict | list) else value
            console.print(f"[bold]{key}[/bold]: {shown}")
    else:
        console.print(data)
