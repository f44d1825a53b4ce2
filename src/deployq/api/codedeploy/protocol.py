"""``POST /`` with ``X-Amz-Target: CodeDeploy_20141006.<Operation>``: authenticate (SigV4), validate the
input against botocore's model, dispatch, and answer in AWS JSON 1.1 — errors as ``__type`` + ``message``."""

from __future__ import annotations

import json
import logging
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from fastapi import APIRouter, Request, Response

from deployq.api.codedeploy import deployments as _deployments  # noqa: F401 - registers its operations
from deployq.api.codedeploy.context import OpContext
from deployq.api.codedeploy.resources import OPS
from deployq.api.sigv4 import AuthError, verify
from deployq.errors import DeployqError, NotFoundError

log = logging.getLogger(__name__)

TARGET_PREFIX = "CodeDeploy_20141006."
CONTENT_TYPE = "application/x-amz-json-1.1"
MAX_BODY = 1 << 20
MODEL = botocore.session.get_session().get_service_model("codedeploy")
#: Operations that only read: a read-only credential may call them.
READS = {name for name in OPS if name.startswith(("Get", "List", "BatchGet"))}

router = APIRouter()


def aws_error(status: int, code: str, message: str) -> Response:
    return Response(json.dumps({"__type": code, "message": message}), status_code=status, media_type=CONTENT_TYPE)


def _validate(operation: str, params: Any) -> str | None:
    if not isinstance(params, dict):
        return "The request body must be a JSON object."
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return None
    report = ParamValidator().validate(params, shape)
    return report.generate_report() if report.has_errors() else None


@router.post("/", include_in_schema=False)
async def codedeploy(request: Request) -> Response:
    target = request.headers.get("x-amz-target", "")
    body = await request.body()
    if len(body) > MAX_BODY:
        return aws_error(413, "RequestEntityTooLargeException", f"The request body is over {MAX_BODY} bytes.")
    services = request.app.state.services
    try:
        credential = verify(request.method, str(request.url), dict(request.headers), body, services.credentials)
    except AuthError as exc:
        return aws_error(exc.status, exc.code, exc.message)
    if not target.startswith(TARGET_PREFIX) or target[len(TARGET_PREFIX):] not in OPS:
        return aws_error(400, "UnknownOperationException", f"Unknown operation {target or '(no X-Amz-Target)'}.")
    operation = target[len(TARGET_PREFIX):]
    try:
        params = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return aws_error(400, "SerializationException", "The request body is not valid JSON.")
    problem = _validate(operation, params)
    if problem:
        return aws_error(400, "ValidationException", problem)
    if credential.read_only and operation not in READS:
        return aws_error(400, "AccessDeniedException", f"{credential.name} is read-only: {operation} is refused.")
    ctx = OpContext(services.store, services.progress, services.deployments, credential)
    try:
        result = await services.run(OPS[operation], ctx, params)
    except NotFoundError as exc:
        return aws_error(400, exc.aws_code, exc.message)
    except DeployqError as exc:
        return aws_error(400, exc.aws_code, exc.message)
    except Exception:
        log.exception("CodeDeploy operation %s failed", operation)
        return aws_error(500, "InternalFailure", "The request processing has failed because of an unknown error.")
    return Response(json.dumps(result), media_type=CONTENT_TYPE)
