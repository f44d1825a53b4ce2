"""The agent's on-disk layout under its deployment root (§6 of the reference)::

    <root>/<dg-id>/<deployment-id>/bundle.tar
    <root>/<dg-id>/<deployment-id>/deployment-archive/
    <root>/<dg-id>/<deployment-id>/logs/scripts.log
    <root>/deployment-instructions/<dg-id>-cleanup
    <root>/deployment-instructions/<dg-id>-install.json
    <root>/deployment-instructions/<dg-id>_last_successful_install
    <root>/deployment-instructions/<dg-id>_most_recent_install
    <root>/deployment-logs/codedeploy-agent-deployments.log
    <root>/ongoing-deployment/<deployment-id>

Names use the hyphen as the agents' code does (``-cleanup``, ``-install.json``; the docs' tree shows
underscores). ``<dg-id>-cleanup.new`` is deployq's own: the cleanup file being written by a running
install, renamed over ``<dg-id>-cleanup`` when the install ends. Pure: nothing here touches the disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from deployq.install import messages
from deployq.install.errors import InstallError

ARCHIVE_DIR = "deployment-archive"
BUNDLE_FILE = "bundle.tar"
INSTRUCTIONS_DIR = "deployment-instructions"
ONGOING_DIR = "ongoing-deployment"
DEPLOYMENT_LOGS_DIR = "deployment-logs"


def _component(what: str, value: str) -> str:
    if not value or "/" in value or "\0" in value or value in (".", ".."):
        raise InstallError(messages.invalid_id(what, value))
    return value


@dataclass(frozen=True)
class Layout:
    """Paths of one agent's deployment root (``/opt/codedeploy-agent/deployment-root`` on a real host)."""

    root: Path

    # -- per deployment -----------------------------------------------------------------------------

    def deployment_group_dir(self, dg_id: str) -> Path:
        return self.root / _component("deployment group id", dg_id)

    def deployment_dir(self, dg_id: str, deployment_id: str) -> Path:
        return self.deployment_group_dir(dg_id) / _component("deployment id", deployment_id)

    def bundle_file(self, dg_id: str, deployment_id: str) -> Path:
        return self.deployment_dir(dg_id, deployment_id) / BUNDLE_FILE

    def archive_dir(self, dg_id: str, deployment_id: str) -> Path:
        return self.deployment_dir(dg_id, deployment_id) / ARCHIVE_DIR

    def logs_dir(self, dg_id: str, deployment_id: str) -> Path:
        return self.deployment_dir(dg_id, deployment_id) / "logs"

    def scripts_log(self, dg_id: str, deployment_id: str) -> Path:
        return self.logs_dir(dg_id, deployment_id) / "scripts.log"

    # -- per deployment group -----------------------------------------------------------------------

    @property
    def instructions_dir(self) -> Path:
        return self.root / INSTRUCTIONS_DIR

    def cleanup_file(self, dg_id: str) -> Path:
        return self.instructions_dir / f"{_component('deployment group id', dg_id)}-cleanup"

    def new_cleanup_file(self, dg_id: str) -> Path:
        return self.instructions_dir / f"{_component('deployment group id', dg_id)}-cleanup.new"

    def install_file(self, dg_id: str) -> Path:
        return self.instructions_dir / f"{_component('deployment group id', dg_id)}-install.json"

    def last_successful_install_file(self, dg_id: str) -> Path:
        return self.instructions_dir / f"{_component('deployment group id', dg_id)}_last_successful_install"

    def most_recent_install_file(self, dg_id: str) -> Path:
        return self.instructions_dir / f"{_component('deployment group id', dg_id)}_most_recent_install"

    # -- agent-wide ---------------------------------------------------------------------------------

    @property
    def ongoing_deployment_dir(self) -> Path:
        return self.root / ONGOING_DIR

    def ongoing_deployment_file(self, deployment_id: str) -> Path:
        return self.ongoing_deployment_dir / _component("deployment id", deployment_id)

    @property
    def deployment_logs_dir(self) -> Path:
        return self.root / DEPLOYMENT_LOGS_DIR

    @property
    def deployments_log(self) -> Path:
        return self.deployment_logs_dir / "codedeploy-agent-deployments.log"
