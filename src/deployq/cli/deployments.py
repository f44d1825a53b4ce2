"""``deployq push|deploy|plan|deployments``: revisions and deployments, through deployq's API."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from deployq.bundle import build_bundle
from deployq.cli.client import Api, CliError
from deployq.cli.output import emit, options
from deployq.cli.watch import TERMINAL, watch


def revision_option(fn: Any) -> Any:
    fn = click.option("--revision", "revision_json", metavar="JSON", help="A CodeDeploy RevisionLocation.")(fn)
    fn = click.option("--s3-location", metavar="s3://BUCKET/KEY", help="A bundle in S3 (or bucket deployq).")(fn)
    fn = click.option("--bundle-type", type=click.Choice(["zip", "tar", "tgz"]), default="zip", show_default=True)(fn)
    return click.option("--dir", "directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
                        help="A revision directory: pushed to deployq's store first.")(fn)


def parse_s3(location: str, bundle_type: str) -> dict[str, Any]:
    if not location.startswith("s3://") or "/" not in location[5:]:
        raise click.BadParameter(f"{location!r}: expected s3://BUCKET/KEY", param_hint="--s3-location")
    bucket, key = location[5:].split("/", 1)
    return {"revisionType": "S3", "s3Location": {"bucket": bucket, "key": key, "bundleType": bundle_type}}


def push_dir(api: Api, application: str, directory: Path, description: str | None = None,
             ignore_hidden: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="deployq-push-") as tmp:
        bundle = build_bundle(directory, Path(tmp) / "bundle.zip", ignore_hidden=ignore_hidden)
        result = api.call("POST", f"/api/v1/applications/{application}/revisions",
                          raw=bundle.path.read_bytes(), params={"bundleType": "zip", "description": description})
    revision: dict[str, Any] = result["revision"]
    return revision


def resolve_revision(api: Api, application: str, revision_json: str | None, s3_location: str | None,
                     bundle_type: str, directory: Path | None) -> dict[str, Any]:
    given = [v for v in (revision_json, s3_location, directory) if v]
    if len(given) != 1:
        raise CliError("give exactly one of --revision, --s3-location or --dir")
    if directory:
        return push_dir(api, application, directory)
    if s3_location:
        return parse_s3(s3_location, bundle_type)
    try:
        revision = json.loads(revision_json or "")
    except ValueError:
        raise click.BadParameter("not valid JSON", param_hint="--revision") from None
    if not isinstance(revision, dict):
        raise click.BadParameter("expected a JSON object", param_hint="--revision")
    return revision


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--application", "-a", required=True, help="The application to register the revision with.")
@click.option("--s3-location", metavar="s3://BUCKET/KEY", help="Upload to S3 instead of deployq's own store.")
@click.option("--description", help="Description of the revision.")
@click.option("--ignore-hidden-files", is_flag=True, help="Leave out files and directories starting with a dot.")
def push(directory: Path, application: str, s3_location: str | None, description: str | None,
         ignore_hidden_files: bool) -> None:
    """Bundle DIRECTORY, upload it (deployq's store, or S3) and register the revision, like `aws deploy push`."""
    api = options().api()
    if s3_location:
        import boto3

        revision = parse_s3(s3_location, "zip")
        with tempfile.TemporaryDirectory(prefix="deployq-push-") as tmp:
            bundle = build_bundle(directory, Path(tmp) / "bundle.zip", ignore_hidden=ignore_hidden_files)
            s3 = revision["s3Location"]
            try:
                put = boto3.client("s3").put_object(Bucket=s3["bucket"], Key=s3["key"], Body=bundle.path.read_bytes())
            except Exception as exc:
                raise CliError(f"Failed to upload '{directory}' to '{s3_location}': {exc}") from None
        s3["eTag"] = str(put.get("ETag", "")).strip('"')
        if put.get("VersionId"):
            s3["version"] = put["VersionId"]
        api.aws("register_application_revision", applicationName=application, revision=revision,
                description=description or "Uploaded by deployq")
    else:
        revision = push_dir(api, application, directory, description, ignore_hidden_files)
    if options().json:
        emit({"revision": revision})
        return
    s3 = revision["s3Location"]
    click.echo(f"Registered {s3['bucket']}/{s3['key']}. To deploy with this revision, run:")
    click.echo(f"deployq deploy {application} <deployment-group-name> --s3-location s3://{s3['bucket']}/{s3['key']}")


@click.command()
@click.argument("application")
@click.argument("group")
@revision_option
@click.option("--config", "config_name", help="Deployment config (default: the group's).")
@click.option("--description", help="Description of the deployment.")
@click.option("--queue", is_flag=True, help="Queue behind an active deployment of the group instead of failing.")
@click.option("--watch/--no-watch", default=True, show_default=True, help="Follow it until it ends.")
def deploy(application: str, group: str, revision_json: str | None, s3_location: str | None, bundle_type: str,
           directory: Path | None, config_name: str | None, description: str | None, queue: bool,
           watch: bool) -> None:
    """Create a deployment and follow it. Exit code 0 only when it succeeds."""
    api = options().api()
    revision = resolve_revision(api, application, revision_json, s3_location, bundle_type, directory)
    created = api.call("POST", "/api/v1/deployments", {"application": application, "group": group,
                                                      "revision": revision, "config": config_name,
                                                      "description": description, "queue": queue})
    deployment_id = created["deploymentId"]
    if not watch:
        emit({"deploymentId": deployment_id})
        return
    _finish(api, deployment_id)


def _finish(api: Api, deployment_id: str) -> None:
    info = watch(api, deployment_id, quiet=options().json)
    if options().json:
        emit(info)
    if info["status"] != "Succeeded":
        sys.exit(1)


@click.command()
@click.argument("application")
@click.argument("group")
@revision_option
@click.option("--config", "config_name", help="Deployment config (default: the group's).")
def plan(application: str, group: str, revision_json: str | None, s3_location: str | None, bundle_type: str,
         directory: Path | None, config_name: str | None) -> None:
    """Dry run: the hosts, batches, events and scripts a deployment would run, and the verdict."""
    api = options().api()
    revision = resolve_revision(api, application, revision_json, s3_location, bundle_type, directory)
    result = api.call("POST", "/api/v1/plan", {"application": application, "group": group, "revision": revision,
                                               "config": config_name})
    if options().json:
        emit(result)
        return
    verdict = result["verdict"]
    click.echo(f"verdict: {'ok' if verdict['ok'] else verdict['errorCode'] + ': ' + verdict['message']}")
    click.echo(f"config: {result['deploymentConfig']} (keeps {result['minimumHealthyHosts']} hosts healthy)")
    for n, batch in enumerate(result["batches"], start=1):
        click.echo(f"batch {n}: {', '.join(batch)}")
    for event in result["events"]:
        scripts = ", ".join(s["location"] for s in event["scripts"]) or "-"
        source = f"  [{event['revision']}]" if "revision" in event else ""
        click.echo(f"  {event['event']:<18} {scripts}{source}")


@click.group()
def deployments() -> None:
    """Deployments: list, get, stop, continue, logs."""


@deployments.command("list")
@click.option("--application", "-a")
@click.option("--group", "-g")
@click.option("--status", type=click.Choice(["Created", "Queued", "InProgress", "Succeeded", "Failed", "Stopped"]))
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
def deployments_list(application: str | None, group: str | None, status: str | None, limit: int) -> None:
    """Deployments, newest first."""
    items = options().api().call("GET", "/api/v1/deployments", params={
        "application": application, "group": group, "status": status, "limit": limit})
    emit(items, ["deployment", "application", "group", "status", "creator", "created", "description"],
         [[d["deploymentId"], d["applicationName"], d["deploymentGroupName"], d["status"], d.get("creator"),
           _time(d.get("createTime")), d.get("description", "")] for d in items])


def _time(value: float | None) -> str:
    import datetime

    return "" if value is None else datetime.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")


@deployments.command("get")
@click.argument("deployment_id")
@click.option("--watch", is_flag=True, help="Follow it until it ends (exit code 0 only when it succeeds).")
def deployments_get(deployment_id: str, watch: bool) -> None:
    """Show a deployment with its hosts and events."""
    api = options().api()
    if watch:
        _finish(api, deployment_id)
        return
    info = api.call("GET", f"/api/v1/deployments/{deployment_id}")
    if options().json:
        emit(info)
        return
    from rich.console import Console

    from deployq.cli.watch import failure_report, render

    Console().print(render(info))
    for line in failure_report(info) if info["status"] in TERMINAL - {"Succeeded"} else []:
        click.echo(line)


@deployments.command("stop")
@click.argument("deployment_id")
@click.option("--rollback/--no-rollback", default=None, help="Roll back after stopping (default: the group's).")
@click.option("--finish", is_flag=True, help="Let running hooks finish instead of sending them SIGTERM.")
def deployments_stop(deployment_id: str, rollback: bool | None, finish: bool) -> None:
    """Stop a deployment: no new event starts."""
    emit(options().api().call("POST", f"/api/v1/deployments/{deployment_id}/stop",
                              params={"rollback": None if rollback is None else str(rollback).lower(),
                                      "finish": str(finish).lower()}))


@deployments.command("continue")
@click.argument("deployment_id")
def deployments_continue(deployment_id: str) -> None:
    """Continue a deployment waiting in Ready (blue/green)."""
    options().api().aws("continue_deployment", deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
    emit({"continued": deployment_id})


@deployments.command("logs")
@click.argument("deployment_id")
@click.option("--follow/--no-follow", "-f", default=False, help="Keep streaming until the deployment ends.")
def deployments_logs(deployment_id: str, follow: bool) -> None:
    """The hooks' output of every host: `host event | line`."""
    api = options().api()
    path = f"/api/v1/deployments/{deployment_id}/logs?follow={str(follow).lower()}"
    for event, data in api.events(path):
        if event == "log":
            if options().json:
                click.echo(json.dumps(data))
            else:
                click.echo(f"{data['host']} {data['event']} | {data['line']}")
