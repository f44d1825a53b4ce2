"""``deployq app|group|config|instances``: CodeDeploy's resources, through its own API (boto3)."""

from __future__ import annotations

from typing import Any

import click

from deployq.cli.client import CliError
from deployq.cli.output import emit, options


def _tags(pairs: tuple[str, ...]) -> list[dict[str, str]]:
    filters = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not key:
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE or KEY", param_hint="--tag")
        filters.append({"Key": key, "Value": value, "Type": "KEY_AND_VALUE" if sep else "KEY_ONLY"})
    return filters


@click.group()
def app() -> None:
    """Applications."""


@app.command("create")
@click.argument("name")
def app_create(name: str) -> None:
    """Create an application (Server platform)."""
    result = options().api().aws("create_application", applicationName=name, computePlatform="Server")
    emit({"applicationName": name, "applicationId": result["applicationId"]})


@app.command("list")
def app_list() -> None:
    """List applications."""
    names = options().api().aws("list_applications")["applications"]
    emit(names, ["application"], [[n] for n in names])


@app.command("get")
@click.argument("name")
def app_get(name: str) -> None:
    """Show an application."""
    emit(options().api().aws("get_application", applicationName=name)["application"])


@app.command("delete")
@click.argument("name")
def app_delete(name: str) -> None:
    """Delete an application with its groups and history."""
    options().api().aws("delete_application", applicationName=name)
    emit({"deleted": name})


@click.group()
def group() -> None:
    """Deployment groups."""


@group.command("create")
@click.argument("application")
@click.argument("name")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
              help="Select instances with this tag (repeat: any of them).")
@click.option("--config", "config_name", help="Deployment config (default CodeDeployDefault.OneAtATime).")
@click.option("--auto-rollback/--no-auto-rollback", default=False, show_default=True,
              help="Roll back automatically when a deployment fails.")
@click.option("--health-check-url", help="HTTP check on each host after its batch, e.g. "
              "http://127.0.0.1:{tags[port]}/health")
def group_create(application: str, name: str, tags: tuple[str, ...], config_name: str | None, auto_rollback: bool,
                 health_check_url: str | None) -> None:
    """Create a deployment group that selects on-premises instances by tag."""
    if not tags:
        raise CliError("give at least one --tag KEY=VALUE: a group without tag filters selects no instance")
    api = options().api()
    params: dict[str, Any] = {"applicationName": application, "deploymentGroupName": name, "serviceRoleArn": "-",
              "onPremisesInstanceTagFilters": _tags(tags)}
    if config_name:
        params["deploymentConfigName"] = config_name
    if auto_rollback:
        params["autoRollbackConfiguration"] = {"enabled": True, "events": ["DEPLOYMENT_FAILURE"]}
    result = api.aws("create_deployment_group", **params)
    if health_check_url:
        api.call("PUT", f"/api/v1/applications/{application}/groups/{name}/health-check", {"url": health_check_url})
    emit({"deploymentGroupName": name, "deploymentGroupId": result["deploymentGroupId"]})


@group.command("list")
@click.argument("application")
def group_list(application: str) -> None:
    """List the deployment groups of an application."""
    names = options().api().aws("list_deployment_groups", applicationName=application)["deploymentGroups"]
    emit(names, ["deployment group"], [[n] for n in names])


@group.command("get")
@click.argument("application")
@click.argument("name")
def group_get(application: str, name: str) -> None:
    """Show a deployment group."""
    emit(options().api().aws("get_deployment_group", applicationName=application,
                             deploymentGroupName=name)["deploymentGroupInfo"])


@group.command("delete")
@click.argument("application")
@click.argument("name")
def group_delete(application: str, name: str) -> None:
    """Delete a deployment group."""
    options().api().aws("delete_deployment_group", applicationName=application, deploymentGroupName=name)
    emit({"deleted": name})


@click.group()
def config() -> None:
    """Deployment configurations."""


@config.command("create")
@click.argument("name")
@click.option("--min-healthy-hosts", required=True, metavar="N | N%",
              help="Hosts to keep healthy: a count (HOST_COUNT) or a percentage (FLEET_PERCENT).")
def config_create(name: str, min_healthy_hosts: str) -> None:
    """Create a custom deployment config."""
    text = min_healthy_hosts.strip()
    kind = "FLEET_PERCENT" if text.endswith("%") else "HOST_COUNT"
    try:
        value = int(text.rstrip("%"))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected a number or a percentage", param_hint="--min-healthy-hosts") \
            from None
    result = options().api().aws("create_deployment_config", deploymentConfigName=name,
                                 minimumHealthyHosts={"type": kind, "value": value})
    emit({"deploymentConfigName": name, "deploymentConfigId": result["deploymentConfigId"]})


@config.command("list")
def config_list() -> None:
    """List deployment configs (the predefined CodeDeployDefault.* ones included)."""
    names = options().api().aws("list_deployment_configs")["deploymentConfigsList"]
    emit(names, ["deployment config"], [[n] for n in names])


@config.command("get")
@click.argument("name")
def config_get(name: str) -> None:
    """Show a deployment config."""
    emit(options().api().aws("get_deployment_config", deploymentConfigName=name)["deploymentConfigInfo"])


@config.command("delete")
@click.argument("name")
def config_delete(name: str) -> None:
    """Delete a custom deployment config."""
    options().api().aws("delete_deployment_config", deploymentConfigName=name)
    emit({"deleted": name})


@click.group()
def instances() -> None:
    """On-premises instances (hosts running the agent)."""


@instances.command("list")
def instances_list() -> None:
    """List registered instances with their tags."""
    api = options().api()
    names = api.aws("list_on_premises_instances", registrationStatus="Registered")["instanceNames"]
    infos = api.aws("batch_get_on_premises_instances", instanceNames=names)["instanceInfos"] if names else []
    emit(infos, ["instance", "tags", "registered"],
         [[i["instanceName"], ", ".join(f"{t['Key']}={t['Value']}" for t in i.get("tags", [])),
           i.get("registerTime")] for i in infos])
