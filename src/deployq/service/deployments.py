"""Creating, stopping and planning deployments (CreateDeployment, StopDeployment, a dry run)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from celery import Celery

from deployq.bundle import parse_location
from deployq.domain.configs import DEFAULT_SERVER_CONFIG
from deployq.domain.enums import ComputePlatform, DeploymentCreator, DeploymentStatus, FileExistsBehavior
from deployq.domain.model import Deployment
from deployq.domain.names import check_description
from deployq.errors import BundleError, InvalidInputError, NotFoundError
from deployq.progress import ProgressStore
from deployq.store import Store
from deployq.workers.queues import COORDINATOR_QUEUE

WhenBusy = Literal["fail", "queue"]


@dataclass(frozen=True)
class DeploymentRequest:
    application: str
    group: str
    revision: dict[str, Any] | None
    deployment_config_name: str | None = None
    description: str | None = None
    file_exists_behavior: str | None = None
    ignore_application_stop_failures: bool = False
    update_outdated_instances_only: bool = False
    auto_rollback: dict[str, Any] | None = None
    creator: DeploymentCreator = DeploymentCreator.USER
    #: What to do when the group already has an active deployment: refuse (CodeDeploy) or queue.
    when_busy: WhenBusy = "fail"
    target_hosts: tuple[str, ...] | None = field(default=None)


def check_revision(revision: dict[str, Any] | None) -> dict[str, Any]:
    if not revision:
        raise InvalidInputError("The revision must be specified.", aws_code="RevisionRequiredException")
    try:
        parse_location(revision)
    except BundleError as exc:
        raise InvalidInputError(f"The revision is invalid: {exc}", aws_code="InvalidRevisionException") from None
    return revision


class DeploymentService:
    def __init__(self, store: Store, progress: ProgressStore, app: Celery) -> None:
        self.store = store
        self.progress = progress
        self.app = app

    def create(self, request: DeploymentRequest) -> Deployment:
        app = self.store.applications.get(request.application)
        if app.compute_platform is not ComputePlatform.SERVER:
            raise InvalidInputError(f"Application {app.name} is for {app.compute_platform.value}; deployq deploys "
                                    "Server applications.", aws_code="InvalidComputePlatformException")
        group = self.store.groups.get(request.application, request.group)
        config_name = request.deployment_config_name or group.deployment_config_name or DEFAULT_SERVER_CONFIG
        config = self.store.configs.get(config_name)
        if config.compute_platform is not ComputePlatform.SERVER:
            raise InvalidInputError(f"The deployment config {config_name} is for {config.compute_platform.value}.",
                                    aws_code="InvalidDeploymentConfigNameException")
        revision = check_revision(request.revision)
        check_description(request.description)
        behavior = None
        if request.file_exists_behavior is not None:
            try:
                behavior = FileExistsBehavior(request.file_exists_behavior)
            except ValueError:
                raise InvalidInputError(
                    f"An invalid fileExistsBehavior was specified: {request.file_exists_behavior}. Valid options "
                    "include OVERWRITE, RETAIN, and DISALLOW.", aws_code="InvalidFileExistsBehaviorException"
                ) from None
        status = DeploymentStatus.CREATED
        active = self.store.deployments.active(group.id)
        if active:
            if request.when_busy != "queue":
                raise InvalidInputError(
                    f"The deployment group {group.name} already has an active deployment ({active[0].id}).",
                    aws_code="DeploymentLimitExceededException",
                )
            status = DeploymentStatus.QUEUED
        registered = self.store.revisions.register(request.application, revision)
        self.store.revisions.mark_used(registered.id)
        deployment = self.store.deployments.create(
            request.application, request.group,
            deployment_config_name=config_name,
            revision=revision,
            revision_id=registered.id,
            previous_revision=self._previous_revision(group.last_successful_deployment_id),
            creator=request.creator,
            description=request.description,
            file_exists_behavior=behavior or FileExistsBehavior.DISALLOW,
            ignore_application_stop_failures=request.ignore_application_stop_failures,
            update_outdated_instances_only=request.update_outdated_instances_only,
            auto_rollback=request.auto_rollback,
            status=status,
            target_hosts=request.target_hosts,
        )
        self.progress.open_deployment(deployment.id, {"created_at": repr(time.time()),
                                                      "explicit_file_exists": "1" if behavior else ""})
        if status is DeploymentStatus.CREATED:
            self.app.send_task("deployq.deployments.start", args=[deployment.id], queue=COORDINATOR_QUEUE)
        return deployment

    def _previous_revision(self, deployment_id: str | None) -> dict[str, Any] | None:
        if deployment_id is None:
            return None
        try:
            return self.store.deployments.get(deployment_id).revision
        except NotFoundError:
            return None

    def stop(self, deployment_id: str, *, auto_rollback: bool | None = None,
             mode: Literal["terminate", "finish"] = "terminate") -> tuple[str, str]:
        """StopDeployment: no new event starts; running hooks get SIGTERM (``terminate``) or may finish
        (``finish``). Returns CodeDeploy's (status, statusMessage): Succeeded when nothing was running,
        Pending while running events end."""
        deployment = self.store.deployments.get(deployment_id)
        if not deployment.active:
            raise InvalidInputError(f"The deployment {deployment_id} has already completed.",
                                    aws_code="DeploymentAlreadyCompletedException")
        if auto_rollback is not None:
            self.progress.open_deployment(deployment_id, {"stop_rollback": "1" if auto_rollback else "0"})
        self.progress.request_stop(deployment_id, mode)
        if deployment.status in (DeploymentStatus.CREATED, DeploymentStatus.QUEUED):
            self.app.send_task("deployq.deployments.finish_stopped", args=[deployment_id], queue=COORDINATOR_QUEUE)
            return "Succeeded", "The deployment was stopped before it started."
        return "Pending", "Stopping the deployment: no new lifecycle event starts."
