"""The native JSON API under ``/api/v1`` (bearer tokens), documented at ``/openapi.json``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from deployq.api.codedeploy import shapes
from deployq.api.credentials import Credential
from deployq.api.services import Services
from deployq.domain.enums import DeploymentStatus
from deployq.errors import DeployqError, NotFoundError
from deployq.service.bundles import BundleStore
from deployq.service.deployments import DeploymentRequest
from deployq.service.history import group_stats, host_revisions

router = APIRouter(tags=["deployq"])
NAME = r"^[A-Za-z0-9+=,.@_-]{1,100}$"
MAX_UPLOAD = 1 << 30


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def caller(request: Request) -> Credential:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HTTPException(
            401, "A bearer token is required (Authorization: Bearer <token>).", headers={"WWW-Authenticate": "Bearer"}
        )
    credential = services_of(request).credentials.by_token(token.strip())
    if credential is None:
        raise HTTPException(401, "The bearer token is not valid.", headers={"WWW-Authenticate": "Bearer"})
    return credential


Caller = Annotated[Credential, Depends(caller)]
Svc = Annotated[Services, Depends(services_of)]


def fail(exc: DeployqError) -> HTTPException:
    status = 404 if isinstance(exc, NotFoundError) else 403 if exc.aws_code == "AccessDeniedException" else 400
    return HTTPException(status, {"error": exc.aws_code, "message": exc.message})


def deny(credential: Credential, application: str, *, change: bool) -> None:
    allowed = credential.may_change(application) if change else credential.may_view(application)
    if not allowed:
        raise HTTPException(
            403,
            {
                "error": "AccessDeniedException",
                "message": f"{credential.name} may not {'change' if change else 'view'} application {application}",
            },
        )


class DeploymentIn(BaseModel):
    application: str = Field(pattern=NAME)
    group: str = Field(pattern=NAME)
    revision: dict[str, Any] = Field(description="CodeDeploy's RevisionLocation JSON.")
    config: str | None = Field(default=None, pattern=NAME)
    description: str | None = Field(default=None, max_length=256)
    file_exists_behavior: str | None = Field(default=None, pattern=r"^(DISALLOW|OVERWRITE|RETAIN)$")
    queue: bool = Field(default=False, description="Queue behind an active deployment instead of refusing.")


class Accepted(BaseModel):
    deploymentId: str


@router.post("/deployments", status_code=202, response_model=Accepted)
async def enqueue(body: DeploymentIn, who: Caller, svc: Svc) -> Accepted:
    """The tiny enqueue endpoint: create a deployment and answer at once with its id."""
    deny(who, body.application, change=True)
    request = DeploymentRequest(
        body.application,
        body.group,
        body.revision,
        deployment_config_name=body.config,
        description=body.description,
        file_exists_behavior=body.file_exists_behavior,
        when_busy="queue" if body.queue else "fail",
    )
    try:
        deployment = await svc.run(svc.deployments.create, request)
    except DeployqError as exc:
        raise fail(exc) from None
    return Accepted(deploymentId=deployment.id)


@router.get("/deployments")
async def list_deployments(
    who: Caller,
    svc: Svc,
    application: str | None = Query(None, pattern=NAME),
    group: str | None = Query(None, pattern=NAME),
    status: DeploymentStatus | None = None,
    limit: int = Query(50, ge=1, le=500),
) -> list[dict[str, Any]]:
    """Deployments, newest first, filtered by application, group and status."""
    if group and not application:
        raise HTTPException(400, "group needs application")
    try:
        deployments = await svc.run(
            lambda: svc.store.deployments.list(
                application=application, group=group, statuses=[status] if status else []
            )
        )
    except DeployqError as exc:
        raise fail(exc) from None
    visible = [d for d in deployments if who.may_view(d.application_name)][:limit]
    return [shapes.deployment_info(d, []) for d in visible]


@router.get("/deployments/{deployment_id}")
async def get_deployment(deployment_id: str, who: Caller, svc: Svc) -> dict[str, Any]:
    """A deployment with its targets and each target's lifecycle events."""
    try:
        deployment = await svc.run(svc.store.deployments.get, deployment_id)
        deny(who, deployment.application_name, change=False)
        targets = await svc.run(svc.store.deployments.targets, deployment_id)
    except DeployqError as exc:
        raise fail(exc) from None
    info = shapes.deployment_info(deployment, targets)
    info["targets"] = [shapes.instance_target(t)["instanceTarget"] for t in targets]
    info["batches"] = await svc.run(svc.progress.batches, deployment_id)
    info["live"] = await svc.run(live_events, svc, deployment_id, [t.target_id for t in targets
                                                                   if t.status.value == "InProgress"])
    return info


def live_events(svc: Services, deployment_id: str, hosts: list[str]) -> dict[str, dict[str, str]]:
    """For each host being deployed: the event it is at now, from the progress store."""
    fields = svc.progress.deployment_fields(deployment_id)
    events = json.loads(fields.get("events", "[]"))
    live: dict[str, dict[str, str]] = {}
    for host in hosts:
        for event in events:
            state = svc.progress.event_state(deployment_id, host, event)
            if state.get("state") != "finished":
                live[host] = {"event": event, "status": "InProgress" if state else "Pending"}
                break
    return live


@router.post("/deployments/{deployment_id}/stop")
async def stop_deployment(
    deployment_id: str, who: Caller, svc: Svc, rollback: bool | None = None, finish: bool = False
) -> dict[str, str]:
    """Stop: no new event starts; running hooks get SIGTERM (or may finish with ``finish=true``)."""
    try:
        deployment = await svc.run(svc.store.deployments.get, deployment_id)
        deny(who, deployment.application_name, change=True)
        status, message = await svc.run(
            lambda: svc.deployments.stop(
                deployment_id, auto_rollback=rollback, mode="finish" if finish else "terminate"
            )
        )
    except DeployqError as exc:
        raise fail(exc) from None
    return {"status": status, "statusMessage": message}


@router.get("/deployments/{deployment_id}/logs")
async def logs(deployment_id: str, who: Caller, svc: Svc, request: Request, follow: bool = True) -> StreamingResponse:
    """The hook output of every host, as Server-Sent Events (``event: log``, then ``event: end``)."""
    try:
        deployment = await svc.run(svc.store.deployments.get, deployment_id)
    except DeployqError as exc:
        raise fail(exc) from None
    deny(who, deployment.application_name, change=False)

    async def stream() -> AsyncIterator[str]:
        after = "0"
        while True:
            rows = await svc.run(svc.progress.read_logs, deployment_id, after, 500)
            for entry_id, fields in rows:
                after = entry_id
                yield f"id: {entry_id}\nevent: log\ndata: {json.dumps(fields)}\n\n"
            if rows:
                continue
            current = await svc.run(svc.store.deployments.get, deployment_id)
            if not follow or current.status.terminal or await request.is_disconnected():
                yield f"event: end\ndata: {json.dumps({'status': current.status.value})}\n\n"
                return
            await asyncio.sleep(0.3)

    return StreamingResponse(stream(), media_type="text/event-stream")


@router.get("/applications/{application}/groups/{group}/history")
async def history(application: str, group: str, who: Caller, svc: Svc) -> dict[str, Any]:
    """Which revision is on which host, the group's success rate and its last deployments."""
    deny(who, application, change=False)
    try:
        hosts = await svc.run(host_revisions, svc.store, application, group)
        stats = await svc.run(group_stats, svc.store, application, group)
    except DeployqError as exc:
        raise fail(exc) from None
    return {
        "hosts": {
            h: {
                "revision": r["revision"],
                "deploymentId": r["deployment_id"],
                "since": shapes.ts(r["since"]),
                "lastStatus": r["last_status"],
            }
            for h, r in hosts.items()
        },
        "deployments": stats.deployments,
        "succeeded": stats.succeeded,
        "failed": stats.failed,
        "stopped": stats.stopped,
        "successRate": stats.success_rate,
        "lastSuccessfulDeployment": stats.last_successful_deployment_id,
        "lastAttemptedDeployment": stats.last_attempted_deployment_id,
    }


@router.get("/search")
async def search(who: Caller, svc: Svc, q: str = Query(min_length=1, max_length=200)) -> dict[str, list[Any]]:
    """Case-insensitive search across applications, groups, deployments and revisions you may view."""
    needle = q.lower()

    def find() -> dict[str, list[Any]]:
        store = svc.store
        apps = [a for a in store.applications.list() if who.may_view(a.name)]
        found: dict[str, list[Any]] = {"applications": [], "deploymentGroups": [], "deployments": [], "revisions": []}
        for app in apps:
            if needle in app.name.lower():
                found["applications"].append(app.name)
            for grp in store.groups.list(app.name):
                if needle in grp.name.lower():
                    found["deploymentGroups"].append({"application": app.name, "group": grp.name})
            for rev in store.revisions.list(app.name):
                if needle in json.dumps(rev.location).lower() or needle in (rev.description or "").lower():
                    found["revisions"].append({"application": app.name, "revision": rev.location})
            for d in store.deployments.list(application=app.name):
                if needle in d.id.lower() or needle in (d.description or "").lower():
                    found["deployments"].append(
                        {
                            "deploymentId": d.id,
                            "application": app.name,
                            "group": d.deployment_group_name,
                            "status": d.status.value,
                        }
                    )
        return found

    return await svc.run(find)


@router.post("/applications/{application}/revisions", status_code=201)
async def upload_bundle(
    application: str,
    request: Request,
    who: Caller,
    svc: Svc,
    bundle_type: str = Query("zip", alias="bundleType", pattern=r"^(zip|tar|tgz)$"),
    description: str | None = Query(None, max_length=256),
) -> dict[str, Any]:
    """Upload a bundle (the request body) into deployq's revision store and register it as a revision
    of ``application``. The answer is the revision location to deploy, an S3 location in the virtual
    bucket ``DEPLOYQ_BUNDLE_BUCKET``, so that the CodeDeploy face and the aws CLI can name it too."""
    deny(who, application, change=True)
    body = await request.body()
    if not body:
        raise HTTPException(400, "The request body must be the bundle (a zip, tar or tgz file).")
    if len(body) > MAX_UPLOAD:
        raise HTTPException(413, f"The bundle is over {MAX_UPLOAD} bytes.")
    store = BundleStore(svc.settings)
    try:
        await svc.run(svc.store.applications.get, application)
        location = await svc.run(store.save, application, body, bundle_type)
        await svc.run(svc.store.revisions.register, application, location, description)
    except DeployqError as exc:
        raise fail(exc) from None
    return {"revision": location}


@router.get("/bundles/{application}/{name}", response_class=FileResponse)
async def download_bundle(
    application: Annotated[str, Path(pattern=NAME)],
    name: Annotated[str, Path(pattern=r"^[0-9a-f]{64}\.(zip|tar|tgz)$")],
    request: Request,
    svc: Svc,
    expires: int | None = None,
    signature: str | None = None,
) -> FileResponse:
    """A stored bundle, for agents: with the signed link they are given, or with a bearer token."""
    store = BundleStore(svc.settings)
    key = f"{application}/{name}"
    if expires is None or signature is None or not store.link_is_valid(key, expires, signature):
        who = caller(request)
        deny(who, application, change=False)
    try:
        path = store.path(key)
    except DeployqError as exc:
        raise fail(exc) from None
    if not path.is_file():
        raise HTTPException(404, f"No bundle {key}.")
    return FileResponse(path, media_type="application/octet-stream")


class PlanIn(BaseModel):
    application: str = Field(pattern=NAME)
    group: str = Field(pattern=NAME)
    revision: dict[str, Any]
    config: str | None = Field(default=None, pattern=NAME)


@router.post("/plan")
async def plan(body: PlanIn, who: Caller, svc: Svc) -> dict[str, Any]:
    """The dry run: hosts, batches, the events and scripts each host will run, and the verdict."""
    from deployq.bundle import FetchOptions
    from deployq.service.plan import plan_dry_run

    deny(who, body.application, change=False)
    store = BundleStore(svc.settings)
    options = FetchOptions(s3_endpoint_url=svc.settings.s3_endpoint_url, git_base_url=svc.settings.git_base_url,
                           retries=1)
    try:
        return await svc.run(lambda: plan_dry_run(svc.store, body.application, body.group,
                                                  store.for_agents(body.revision), deployment_config_name=body.config,
                                                  fetch_options=options))
    except DeployqError as exc:
        raise fail(exc) from None


class HealthCheckIn(BaseModel):
    url: str = Field(min_length=1, max_length=2048, description="Template: {name}, {address}, {tags[KEY]}.")
    expected_status: int = Field(default=200, ge=100, le=599)
    retries: int = Field(default=3, ge=1, le=100)
    interval: float = Field(default=1.0, ge=0, le=600)
    timeout: float = Field(default=2.0, gt=0, le=600)


@router.put("/applications/{application}/groups/{group}/health-check")
async def set_health_check(application: Annotated[str, Path(pattern=NAME)], group: Annotated[str, Path(pattern=NAME)],
                           body: HealthCheckIn, who: Caller, svc: Svc) -> dict[str, Any]:
    """Set the group's HTTP health check (a deployq extension, absent from CodeDeploy's model)."""
    deny(who, application, change=True)
    try:
        await svc.run(lambda: svc.store.groups.update(application, group, health_check=body.model_dump()))
    except DeployqError as exc:
        raise fail(exc) from None
    return {"healthCheck": body.model_dump()}


@router.get("/whoami")
async def whoami(who: Caller) -> JSONResponse:
    """The credential this token belongs to (no secret)."""
    return JSONResponse({"name": who.name, "applications": who.applications, "readOnly": who.read_only})
