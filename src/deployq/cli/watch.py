"""The live view of a deployment: a progress bar per batch, each host's event and status, and on a
failure the failing script, its exit code and the tail of its log."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from deployq.cli.client import Api

TERMINAL = {"Succeeded", "Failed", "Stopped"}
STYLE = {"Succeeded": "green", "Failed": "red", "Stopped": "yellow", "InProgress": "cyan", "Skipped": "dim",
         "Pending": "dim"}


def render(info: dict[str, Any]) -> RenderableType:
    status = info["status"]
    parts: list[RenderableType] = [Text.assemble(
        (f"{info['deploymentId']} ", "bold"), (status, STYLE.get(status, "")),
        f"  {info['applicationName']}/{info['deploymentGroupName']}  {info['deploymentConfigName']}")]
    targets = {t["targetId"]: t for t in info.get("targets", [])}
    for n, batch in enumerate(info.get("batches", []), start=1):
        done = sum(1 for h in batch if targets.get(h, {}).get("status") in ("Succeeded", "Failed", "Skipped"))
        bar = Table.grid(padding=(0, 1))
        bar.add_row(Text(f"batch {n}"), ProgressBar(total=len(batch), completed=done, width=30),
                    Text(f"{done}/{len(batch)}"))
        parts.append(bar)
    hosts = Table("host", "status", "event", "detail", box=None, pad_edge=False)
    live = info.get("live", {})
    for host, target in targets.items():
        events = target.get("lifecycleEvents", [])
        failed = next((e for e in events if e.get("status") == "Failed"), None)
        current = live.get(host, {})
        event = (failed or {}).get("lifecycleEventName") or current.get("event") or (
            events[-1]["lifecycleEventName"] if events and target["status"] != "Pending" else "")
        detail = ((failed or {}).get("diagnostics") or {}).get("message", "")
        hosts.add_row(host, Text(target["status"], STYLE.get(target["status"], "")), event, detail[:100])
    parts.append(hosts)
    return Group(*parts)


def failure_report(info: dict[str, Any]) -> list[str]:
    lines = []
    error = info.get("errorInformation")
    if error:
        lines.append(f"{error['code']}: {error['message']}")
    for target in info.get("targets", []):
        for event in target.get("lifecycleEvents", []):
            if event.get("status") != "Failed":
                continue
            diagnostics = event.get("diagnostics") or {}
            lines.append(f"{target['targetId']} {event['lifecycleEventName']}: {diagnostics.get('message', '')}")
            if diagnostics.get("scriptName"):
                lines.append(f"  script: {diagnostics['scriptName']}")
            tail = (diagnostics.get("logTail") or "").splitlines()[-10:]
            lines.extend(f"  | {line}" for line in tail)
    return lines


def watch(api: Api, deployment_id: str, *, quiet: bool = False, timeout: float = 8 * 3600) -> dict[str, Any]:
    """Follow until the deployment ends; return its last state."""
    deadline = time.monotonic() + timeout
    info: dict[str, Any] = api.call("GET", f"/api/v1/deployments/{deployment_id}")
    if quiet:
        while info["status"] not in TERMINAL and time.monotonic() < deadline:
            time.sleep(0.5)
            info = api.call("GET", f"/api/v1/deployments/{deployment_id}")
        return info
    console = Console()
    with Live(render(info), console=console, refresh_per_second=8, transient=False) as live:
        while info["status"] not in TERMINAL and time.monotonic() < deadline:
            time.sleep(0.4)
            info = api.call("GET", f"/api/v1/deployments/{deployment_id}")
            live.update(render(info))
    for line in failure_report(info) if info["status"] != "Succeeded" else []:
        console.print(line, markup=False, highlight=False)
    return info
