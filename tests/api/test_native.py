"""The native API: bearer tokens, the enqueue endpoint, reading, SSE logs, history, search, uploads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, zip_of
from tests.deployments.conftest import make_revision


def call(api: Api, method: str, path: str, body: Any = None, *, who: str | None = "admin",
         raw: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(api.url + path, data=data, method=method, headers={
        **({"Authorization": f"Bearer {api.token(who)}"} if who else {}),
        **({"Content-Type": "application/json"} if body is not None else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            text = response.read()
            kind = response.headers.get("content-type", "")
            return response.status, json.loads(text) if "json" in kind else text.decode()
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_every_request_needs_a_token(api: Api) -> None:
    assert call(api, "GET", "/api/v1/deployments", who=None)[0] == 401
    status, body = call(api, "GET", "/api/v1/deployments", headers={"Authorization": "Bearer nope"}, who=None)
    assert status == 401 and "not valid" in body["detail"]
    assert call(api, "GET", "/api/v1/whoami")[1]["name"] == "admin"


def test_upload_enqueue_follow_and_read(api: Api, tmp_path: Path) -> None:
    fleet = api.fleet
    fleet.env["DEPLOYQ_PUBLIC_URL"] = api.url
    fleet.start(["web-1", "web-2"])
    fleet.group("shop", "prod")
    bundle = zip_of(make_revision(tmp_path / "src", "v1", fleet.journal))
    status, uploaded = call(api, "POST", "/api/v1/applications/shop/revisions?bundleType=zip", raw=bundle,
                            headers={"Content-Type": "application/zip"})
    assert status == 201, uploaded
    revision = uploaded["revision"]
    assert revision["s3Location"]["bucket"] == "deployq"
    status, accepted = call(api, "POST", "/api/v1/deployments",
                            {"application": "shop", "group": "prod", "revision": revision})
    assert status == 202
    deployment_id = accepted["deploymentId"]
    with urllib.request.urlopen(urllib.request.Request(
            f"{api.url}/api/v1/deployments/{deployment_id}/logs",
            headers={"Authorization": f"Bearer {api.token()}"}), timeout=90) as stream:
        text = stream.read().decode()
    assert "event: log" in text and "ran ApplicationStart v1" in text
    assert 'event: end\ndata: {"status": "Succeeded"}' in text
    status, info = call(api, "GET", f"/api/v1/deployments/{deployment_id}")
    assert info["status"] == "Succeeded"
    assert [t["targetId"] for t in info["targets"]] == ["web-1", "web-2"]
    assert info["batches"] == [["web-1"], ["web-2"]]
    assert fleet.agents[0].installed("web-1", "/srv/app/index.html").read_text() == "version v1\n"
    listed = call(api, "GET", "/api/v1/deployments?application=shop&status=Succeeded")[1]
    assert [d["deploymentId"] for d in listed] == [deployment_id]
    history = call(api, "GET", "/api/v1/applications/shop/groups/prod/history")[1]
    assert history["successRate"] == 1.0
    assert history["hosts"]["web-1"]["deploymentId"] == deployment_id
    found = call(api, "GET", f"/api/v1/search?q={deployment_id.lower()}")[1]
    assert [d["deploymentId"] for d in found["deployments"]] == [deployment_id]
    assert call(api, "GET", "/api/v1/search?q=SHO")[1]["applications"] == ["shop"]
    key = revision["s3Location"]["key"]
    assert call(api, "GET", f"/api/v1/bundles/{key}", who=None)[0] == 401  # unsigned, no token
    assert call(api, "GET", f"/api/v1/bundles/{key}?expires=1&signature=00", who=None)[0] == 401


def test_bad_requests_are_4xx(api: Api, tmp_path: Path) -> None:
    api.fleet.group("shop", "prod")
    assert call(api, "POST", "/api/v1/deployments", {"application": "bad name", "group": "g", "revision": {}})[0] \
        == 422
    status, body = call(api, "POST", "/api/v1/deployments", {"application": "shop", "group": "nope",
                                                            "revision": {"revisionType": "S3"}})
    assert status == 404 and body["detail"]["error"] == "DeploymentGroupDoesNotExistException"
    assert call(api, "GET", "/api/v1/deployments/d-NOPE")[0] == 404
    status, body = call(api, "POST", "/api/v1/applications/shop/revisions", raw=b"not a zip",
                        headers={"Content-Type": "application/zip"})
    assert status == 400 and body["detail"]["error"] == "InvalidRevisionException"
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "index.html").write_text("x")
    status, body = call(api, "POST", "/api/v1/applications/shop/revisions", raw=zip_of(bare))
    assert status == 400 and "appspec" in body["detail"]["message"].lower()


def test_restricted_token_sees_only_its_application(api: Api) -> None:
    api.fleet.group("shop", "prod")
    api.fleet.group("blog", "prod")
    found = call(api, "GET", "/api/v1/search?q=o", who="shop-only")[1]
    assert found["applications"] == ["shop"]
    assert [g["application"] for g in found["deploymentGroups"]] == ["shop"]
    status, body = call(api, "POST", "/api/v1/deployments", {"application": "blog", "group": "prod",
                                                            "revision": {"revisionType": "S3"}}, who="shop-only")
    assert status == 403 and body["detail"]["error"] == "AccessDeniedException"
    assert call(api, "POST", "/api/v1/deployments", {"application": "shop", "group": "prod",
                                                     "revision": {"revisionType": "S3"}}, who="reader")[0] == 403


def test_aws_cli(api: Api, tmp_path: Path) -> None:
    fleet = api.fleet
    fleet.env["DEPLOYQ_PUBLIC_URL"] = api.url
    fleet.start(["web-1"])
    fleet.store.applications.create("upload-target")
    bundle = zip_of(make_revision(tmp_path / "src", "v1", fleet.journal))
    status, uploaded = call(api, "POST", "/api/v1/applications/upload-target/revisions", raw=bundle)
    assert status == 201
    key = uploaded["revision"]["s3Location"]["key"].split("/", 1)[1]
    credential = api.credentials["admin"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DEPLOYQ_"))}
    env.update({"AWS_ACCESS_KEY_ID": str(credential.access_key_id),
                "AWS_SECRET_ACCESS_KEY": str(credential.secret_access_key), "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    aws = str(Path(sys.executable).parent / "aws")

    def cli(*args: str) -> dict[str, Any]:
        result = subprocess.run([aws, "deploy", *args, "--endpoint-url", api.url, "--output", "json"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout) if result.stdout.strip() else {}

    assert cli("create-application", "--application-name", "shop")["applicationId"]
    # the uploaded bundle, named as an S3 location in the virtual bucket
    status, again = call(api, "POST", "/api/v1/applications/shop/revisions", raw=bundle)
    assert again["revision"]["s3Location"]["key"] == f"shop/{key}"
    cli("create-deployment-group", "--application-name", "shop", "--deployment-group-name", "prod",
        "--service-role-arn", "arn:role", "--on-premises-instance-tag-filters", "Key=role,Value=web,Type=KEY_AND_VALUE")
    deployment_id = cli("create-deployment", "--application-name", "shop", "--deployment-group-name", "prod",
                        "--s3-location", f"bucket=deployq,key=shop/{key},bundleType=zip")["deploymentId"]
    waited = subprocess.run([aws, "deploy", "wait", "deployment-successful", "--deployment-id", deployment_id,
                             "--endpoint-url", api.url], env=env, capture_output=True, text=True, timeout=600)
    assert waited.returncode == 0, waited.stderr
    info = cli("get-deployment", "--deployment-id", deployment_id)["deploymentInfo"]
    assert info["status"] == "Succeeded"
    assert info["revision"]["s3Location"]["bucket"] == "deployq"


def test_openapi_has_no_server_error(api: Api) -> None:
    """schemathesis against /openapi.json, authenticated: no request may end in a 5xx."""
    api.fleet.group("shop", "prod")
    schemathesis = Path(sys.executable).parent / "st"
    if not schemathesis.exists():
        pytest.fail("schemathesis is missing: it is part of the test extra")
    result = subprocess.run(
        [str(schemathesis), "run", f"{api.url}/openapi.json", "--checks", "not_a_server_error",
         "-H", f"Authorization: Bearer {api.token()}", "--max-examples", "25", "--exclude-path-regex", "logs$",
         "--request-timeout", "20", "--workers", "1"],
        capture_output=True, text=True, timeout=600, cwd=api.fleet.tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    import re

    generated = re.search(r"(\d+) generated", result.stdout)
    assert generated is not None and int(generated.group(1)) > 100, result.stdout[-2000:]
