"""``deployq``: one command for every part of the stack. Errors are one line, never a traceback."""

from __future__ import annotations

import signal
import socket
import sys
import time
from pathlib import Path
from types import FrameType
from typing import NoReturn

import click

from deployq import __version__
from deployq.config.settings import load_settings, settings_markdown
from deployq.errors import ConfigurationError, DeployqError


class Stop(Exception):
    """Raised by the SIGTERM handler to leave the foreground loop cleanly."""


def _on_sigterm(signum: int, frame: FrameType | None) -> NoReturn:
    raise Stop()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deployq")
@click.option("--endpoint", envvar="DEPLOYQ_ENDPOINT", help="The API (default http://127.0.0.1:8080).")
@click.option("--token", envvar="DEPLOYQ_TOKEN", help="Bearer token (default: the local credentials file).")
@click.option("--config", "config_file", envvar="DEPLOYQ_CLI_CONFIG", type=click.Path(dir_okay=False),
              help="YAML with endpoint, token, access_key_id, secret_access_key.")
@click.option("--output", "-o", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: machine-readable output for scripts.")
@click.pass_context
def cli(ctx: click.Context, endpoint: str | None, token: str | None, config_file: str | None, output: str) -> None:
    """deployq: a self-hosted AWS CodeDeploy on Celery + Redis."""
    from deployq.cli.output import Options

    ctx.obj = Options(endpoint=endpoint, token=token, config=config_file, output=output)


@cli.command()
@click.option("--data-dir", type=click.Path(file_okay=False), help="Data directory (DEPLOYQ_DATA_DIR).")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="The API's port.")
@click.option("--agents", type=click.IntRange(0, 50), default=0, show_default=True,
              help="Local agents to run (local-1 … local-N, tags role=local and port=<base+n>).")
@click.option("--agent-port-base", type=click.IntRange(1024, 65000), default=8100, show_default=True,
              help="Local agent n gets the tag port=<base+n> (the example app listens there).")
@click.option("--once", is_flag=True, help="Start the stack, print its health, stop it and exit.")
def up(data_dir: str | None, port: int, agents: int, agent_port_base: int, once: bool) -> None:
    """Run the whole stack for one machine in the foreground until Ctrl-C or SIGTERM.

    Starts an embedded Redis-compatible server when DEPLOYQ_REDIS_URL is unset, migrates the
    database (SQLite in the data directory by default), and runs the API, a coordinator and beat.
    On first start it creates a local credential in <data dir>/credentials.yml."""
    from deployq.stack import Stack

    settings = load_settings(data_dir=data_dir)
    signal.signal(signal.SIGTERM, _on_sigterm)
    stack = Stack(settings, port=port, agents=agents, agent_port_base=agent_port_base)
    try:
        click.echo(f"deployq {__version__}: starting in {settings.data_dir.resolve()}")
        stack.start()
        report = stack.health()
        for key, value in report.items():
            click.echo(f"  {key:<14} {value}")
        click.echo("deployq is up." + ("" if once else " Ctrl-C stops it."))
        while not once:
            stack.check_children()
            time.sleep(0.5)
    except (KeyboardInterrupt, Stop):
        pass
    finally:
        click.echo("deployq: stopping")
        stack.stop()
        click.echo("deployq: stopped")


@cli.command()
def migrate() -> None:
    """Create or upgrade the database schema and the predefined deployment configs."""
    from deployq.store import Store

    settings = load_settings()
    store = Store(settings.sqlalchemy_url)
    try:
        click.echo(f"schema at revision {store.migrate()}")
    finally:
        store.close()


@cli.command()
@click.option("--concurrency", "-c", type=click.IntRange(min=1), help="Threads (DEPLOYQ_COORDINATOR_CONCURRENCY).")
def coordinator(concurrency: int | None) -> None:
    """Run a coordinator worker: consumes the queue deployq.coordinator."""
    from deployq.store import Store
    from deployq.workers.app import create_celery
    from deployq.workers.queues import COORDINATOR_QUEUE

    settings = load_settings(coordinator_concurrency=concurrency)
    store = Store(settings.sqlalchemy_url)
    try:
        store.migrate()
    finally:
        store.close()
    app = create_celery(settings)
    app.worker_main([
        "worker", "--queues", COORDINATOR_QUEUE, "--pool", "threads",
        "--concurrency", str(settings.coordinator_concurrency),
        "--hostname", f"coordinator@{socket.gethostname()}",
        "--loglevel", settings.log_level, "--task-events", "--without-mingle", "--without-gossip",
    ])


@cli.command()
@click.option("--name", "names", multiple=True, required=True,
              help="Host name this agent serves (repeat to simulate several hosts in one process).")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag of the on-premises instance.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Deployment root (DEPLOYQ_AGENT_ROOT; default <data dir>/agent).")
@click.option("--install-root", type=click.Path(file_okay=False, path_type=Path),
              help="Install every appspec destination under this prefix (for simulated hosts).")
@click.option("--concurrency", "-c", type=click.IntRange(min=1), default=4, show_default=True,
              help="Lifecycle events run at once (of different deployments).")
def agent(names: tuple[str, ...], tags: tuple[str, ...], root: Path | None, install_root: Path | None,
          concurrency: int) -> None:
    """Run the agent: a worker that consumes only deployq.host.<name> and runs lifecycle events.

    It registers each name as an on-premises instance with its tags, writes a heartbeat every
    DEPLOYQ_HEARTBEAT_INTERVAL seconds and needs the Redis URL and nothing else."""
    from deployq.agent.config import AgentConfig, parse_tags
    from deployq.agent.worker import run_agent

    settings = load_settings()
    config = AgentConfig.build(
        list(names), root or settings.agent_root_dir, install_root,
        tags=parse_tags(tags), heartbeat_interval=settings.heartbeat_interval,
        max_revisions=settings.max_revisions, kill_grace=settings.hook_kill_grace,
        s3_endpoint_url=settings.s3_endpoint_url, git_base_url=settings.git_base_url,
    )
    run_agent(settings, config, concurrency=concurrency)


@cli.command()
def beat() -> None:
    """Run the scheduler. Run exactly one per installation."""
    from deployq.workers.app import create_celery

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_celery(settings)
    app.start(["beat", "--loglevel", settings.log_level])


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=5555, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True)
@click.option("--basic-auth", envvar="DEPLOYQ_FLOWER_BASIC_AUTH", required=True,
              help="USER:PASSWORD for Flower's basic auth (or DEPLOYQ_FLOWER_BASIC_AUTH).")
def flower(port: int, address: str, basic_auth: str) -> None:
    """Run Celery Flower for monitoring, always behind basic auth."""
    from deployq.workers.app import create_celery

    if ":" not in basic_auth or basic_auth.startswith(":") or basic_auth.endswith(":"):
        raise click.BadParameter("expected USER:PASSWORD", param_hint="--basic-auth")
    app = create_celery(load_settings())
    app.start(["flower", f"--port={port}", f"--address={address}", f"--basic-auth={basic_auth}"])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True)
def server(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API with uvicorn."""
    import uvicorn

    from deployq.api.app import create_app

    settings = load_settings()
    if not settings.redis_url:
        raise ConfigurationError("no Redis URL: set DEPLOYQ_REDIS_URL (deployq up sets it for its own server)")
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())
    else:
        uvicorn.run("deployq.api.main:app", host=host, port=port, workers=workers,
                    log_level=settings.log_level.lower())


@cli.command("settings")
@click.option("--markdown", is_flag=True, help="Print the README's configuration table.")
def settings_cmd(markdown: bool) -> None:
    """Show the settings in force (passwords hidden) and where each came from."""
    if markdown:
        click.echo(settings_markdown())
        return
    settings = load_settings()
    for name, value in settings.redacted().items():
        source = settings.sources.get(name, "default")
        click.echo(f"{name:<24} {value or '(unset)':<50} {source}")


def _register() -> None:
    from deployq.cli.appspec import appspec
    from deployq.cli.bundle import bundle
    from deployq.cli.deployments import deploy, deployments, plan, push
    from deployq.cli.resources import app, config, group, instances

    for command in (appspec, bundle, push, deploy, plan, deployments, app, group, config, instances):
        cli.add_command(command)


_register()


def main() -> None:
    try:
        code = cli.main(prog_name="deployq", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except DeployqError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:
        click.echo(f"internal error: {type(exc).__name__}: {exc}", err=True)
        sys.exit(70)
