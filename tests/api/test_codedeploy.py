"""boto3's real codedeploy client against a real `deployq server`: every operation, a whole deployment
from an S3 revision in moto's S3 server, the waiter, signature failures and restricted keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.api.conftest import Api, zip_of
from tests.bundle.conftest import AWS_ENV, moto_endpoint  # noqa: F401 - the shared moto S3 server
from tests.deployments.conftest import make_revision


def code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def test_applications_configs_instances_and_tags(api: Api) -> None:
    cd = api.client()
    app_id = cd.create_application(applicationName="shop", tags=[{"Key": "team", "Value": "a"}])["applicationId"]
    with pytest.raises(ClientError) as dup:
        cd.create_application(applicationName="shop")
    assert code(dup) == "ApplicationAlreadyExistsException"
    assert isinstance(dup.value, cd.exceptions.ApplicationAlreadyExistsException)
    assert cd.get_application(applicationName="shop")["application"]["applicationId"] == app_id
    cd.create_application(applicationName="blog")
    assert cd.list_applications()["applications"] == ["blog", "shop"]
    assert [a["applicationName"] for a in cd.batch_get_applications(applicationNames=["shop", "blog"])[
        "applicationsInfo"]] == ["shop", "blog"]
    cd.update_application(applicationName="blog", newApplicationName="journal")
    assert cd.list_applications()["applications"] == ["journal", "shop"]
    arn = "arn:aws:codedeploy:local:000000000000:application:shop"
    assert cd.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    cd.tag_resource(ResourceArn=arn, Tags=[{"Key": "tier", "Value": "1"}])
    cd.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert cd.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "tier", "Value": "1"}]

    config_id = cd.create_deployment_config(deploymentConfigName="Two",
                                            minimumHealthyHosts={"type": "HOST_COUNT", "value": 2})
    assert config_id["deploymentConfigId"]
    info = cd.get_deployment_config(deploymentConfigName="CodeDeployDefault.OneAtATime")["deploymentConfigInfo"]
    assert info["minimumHealthyHosts"] == {"type": "MOST_CONCURRENCY", "value": 1}
    names = [n for page in cd.get_paginator("list_deployment_configs").paginate()
             for n in page["deploymentConfigsList"]]
    assert "Two" in names and "CodeDeployDefault.ECSAllAtOnce" in names and len(names) == 18
    with pytest.raises(ClientError) as bad_min:
        cd.create_deployment_config(deploymentConfigName="Bad", minimumHealthyHosts={"type": "FLEET_PERCENT",
                                                                                      "value": 100})
    assert code(bad_min) == "InvalidMinimumHealthyHostValueException"
    cd.delete_deployment_config(deploymentConfigName="Two")

    cd.register_on_premises_instance(instanceName="db-1", iamUserArn="arn:aws:iam::000000000000:user/db")
    cd.add_tags_to_on_premises_instances(tags=[{"Key": "role", "Value": "db"}], instanceNames=["db-1"])
    assert cd.list_on_premises_instances(tagFilters=[{"Key": "role", "Value": "db", "Type": "KEY_AND_VALUE"}])[
        "instanceNames"] == ["db-1"]
    instance = cd.get_on_premises_instance(instanceName="db-1")["instanceInfo"]
    assert instance["tags"] == [{"Key": "role", "Value": "db"}]
    assert instance["registerTime"].year >= 2026
    assert [i["instanceName"] for i in cd.batch_get_on_premises_instances(instanceNames=["db-1"])["instanceInfos"]] \
        == ["db-1"]
    cd.remove_tags_from_on_premises_instances(tags=[{"Key": "role", "Value": "db"}], instanceNames=["db-1"])
    cd.deregister_on_premises_instance(instanceName="db-1")
    assert cd.list_on_premises_instances(registrationStatus="Registered")["instanceNames"] == []

    cd.create_deployment_group(applicationName="shop", deploymentGroupName="prod", serviceRoleArn="arn:role",
                               deploymentConfigName="CodeDeployDefault.HalfAtATime",
                               onPremisesInstanceTagFilters=[{"Key": "role", "Value": "web",
                                                              "Type": "KEY_AND_VALUE"}],
                               autoRollbackConfiguration={"enabled": True, "events": ["DEPLOYMENT_FAILURE"]})
    group = cd.get_deployment_group(applicationName="shop", deploymentGroupName="prod")["deploymentGroupInfo"]
    assert group["deploymentConfigName"] == "CodeDeployDefault.HalfAtATime"
    assert group["autoRollbackConfiguration"]["enabled"] is True
    assert cd.list_deployment_groups(applicationName="shop")["deploymentGroups"] == ["prod"]
    cd.update_deployment_group(applicationName="shop", currentDeploymentGroupName="prod",
                               newDeploymentGroupName="production")
    batch = cd.batch_get_deployment_groups(applicationName="shop", deploymentGroupNames=["production", "nope"])
    assert [g["deploymentGroupName"] for g in batch["deploymentGroupsInfo"]] == ["production"]
    assert "nope" in batch["errorMessage"]

    s3 = {"revisionType": "S3", "s3Location": {"bucket": "b", "key": "shop.zip", "bundleType": "zip"}}
    cd.register_application_revision(applicationName="shop", revision=s3, description="first")
    got = cd.get_application_revision(applicationName="shop", revision=s3)
    assert got["revisionInfo"]["description"] == "first"
    assert cd.list_application_revisions(applicationName="shop")["revisions"] == [s3]
    assert cd.batch_get_application_revisions(applicationName="shop", revisions=[s3])["revisions"][0][
        "genericRevisionInfo"]["description"] == "first"
    cd.delete_deployment_group(applicationName="shop", deploymentGroupName="production")
    cd.delete_application(applicationName="journal")
    with pytest.raises(ClientError) as gone:
        cd.get_application(applicationName="journal")
    assert code(gone) == "ApplicationDoesNotExistException"


def _bundle(tmp_path: Path, version: str, journal: Path) -> bytes:
    return zip_of(make_revision(tmp_path / "src", version, journal))


def test_a_whole_deployment_through_boto3(api: Api, moto_endpoint: str, tmp_path: Path,  # noqa: F811
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    s3 = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket="releases")
    put = s3.put_object(Bucket="releases", Key="shop/v1.zip", Body=_bundle(tmp_path, "v1", api.fleet.journal))
    cd = api.client()
    cd.create_application(applicationName="shop")
    for host in ("web-1", "web-2"):  # registered by tags through the API, then the agents start
        cd.register_on_premises_instance(instanceName=host, iamUserArn=f"arn:aws:iam::0:user/{host}")
        cd.add_tags_to_on_premises_instances(tags=[{"Key": "role", "Value": "web"}], instanceNames=[host])
    api.fleet.env.update({**AWS_ENV, "DEPLOYQ_S3_ENDPOINT_URL": moto_endpoint})
    api.fleet.start(["web-1", "web-2"])
    cd.create_deployment_group(applicationName="shop", deploymentGroupName="prod", serviceRoleArn="arn:role",
                               onPremisesInstanceTagFilters=[{"Key": "role", "Value": "web",
                                                              "Type": "KEY_AND_VALUE"}])
    revision = {"revisionType": "S3", "s3Location": {"bucket": "releases", "key": "shop/v1.zip", "bundleType": "zip",
                                                     "eTag": put["ETag"].strip('"')}}
    cd.register_application_revision(applicationName="shop", revision=revision)
    deployment_id = cd.create_deployment(applicationName="shop", deploymentGroupName="prod", revision=revision,
                                         description="v1 via boto3")["deploymentId"]
    cd.get_waiter("deployment_successful").wait(deploymentId=deployment_id,
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 40})
    info = cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]
    assert info["status"] == "Succeeded"
    assert info["deploymentOverview"]["Succeeded"] == 2
    assert info["creator"] == "user"
    assert deployment_id in cd.list_deployments(applicationName="shop", deploymentGroupName="prod")["deployments"]
    targets = cd.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
    assert targets == ["web-1", "web-2"]
    for target in cd.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=targets)["deploymentTargets"]:
        events = target["instanceTarget"]["lifecycleEvents"]
        assert [e["lifecycleEventName"] for e in events] == [
            "ApplicationStop", "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart",
            "ValidateService"]
        assert [e["status"] for e in events] == ["Skipped"] + ["Succeeded"] * 6
        assert "ran ApplicationStart v1" in events[5]["diagnostics"]["logTail"]
    one = cd.get_deployment_target(deploymentId=deployment_id, targetId="web-1")["deploymentTarget"]
    assert one["deploymentTargetType"] == "InstanceTarget"
    instances = cd.list_deployment_instances(deploymentId=deployment_id)["instancesList"]
    assert len(instances) == 2
    summary = cd.get_deployment_instance(deploymentId=deployment_id, instanceId=instances[0])["instanceSummary"]
    assert summary["status"] == "Succeeded"
    assert len(cd.batch_get_deployment_instances(deploymentId=deployment_id, instanceIds=instances)[
        "instancesSummary"]) == 2
    with pytest.raises(ClientError) as done:
        cd.stop_deployment(deploymentId=deployment_id)
    assert code(done) == "DeploymentAlreadyCompletedException"
    with pytest.raises(ClientError) as not_ready:
        cd.continue_deployment(deploymentId=deployment_id)
    assert code(not_ready) == "DeploymentIsNotInReadyStateException"
    with pytest.raises(ClientError) as unsupported:
        cd.put_lifecycle_event_hook_execution_status(deploymentId=deployment_id,
                                                     lifecycleEventHookExecutionId="x", status="Succeeded")
    assert code(unsupported) == "UnsupportedActionForDeploymentTypeException"
    group = cd.get_deployment_group(applicationName="shop", deploymentGroupName="prod")["deploymentGroupInfo"]
    assert group["lastSuccessfulDeployment"]["deploymentId"] == deployment_id


def test_signature_failures_change_nothing(api: Api) -> None:
    import urllib.request

    request = urllib.request.Request(api.url + "/", data=b'{"applicationName": "x"}', method="POST",
                                     headers={"X-Amz-Target": "CodeDeploy_20141006.CreateApplication",
                                              "Content-Type": "application/x-amz-json-1.1"})
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(request, timeout=10)
    assert unsigned.value.code == 403
    assert b"MissingAuthenticationTokenException" in unsigned.value.read()
    cases = {"wrong secret": ({"secret": "wrong"}, "InvalidSignatureException"),
             "unknown key": ({"key": "AKIDUNKNOWN", "secret": "x"}, "UnrecognizedClientException")}
    for overrides, expected in cases.values():
        with pytest.raises(ClientError) as failed:
            api.client(**overrides).create_application(applicationName="x")
        assert code(failed) == expected
        assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert api.client().list_applications()["applications"] == []


def test_expired_signature(api: Api) -> None:
    import datetime
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credential = api.credentials["admin"]
    request = AWSRequest(method="POST", url=api.url + "/", data=b"{}",
                         headers={"X-Amz-Target": "CodeDeploy_20141006.ListApplications",
                                  "Content-Type": "application/x-amz-json-1.1"})
    signer = SigV4Auth(Credentials(credential.access_key_id, credential.secret_access_key), "codedeploy", "us-east-1")
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    import botocore.auth as auth_module

    original = auth_module.get_current_datetime
    auth_module.get_current_datetime = lambda: old.replace(tzinfo=None)  # type: ignore[assignment]
    try:
        signer.add_auth(request)
    finally:
        auth_module.get_current_datetime = original  # type: ignore[assignment]
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body, method="POST", headers=dict(prepared.headers))
    with pytest.raises(urllib.error.HTTPError) as expired:
        urllib.request.urlopen(raw, timeout=10)
    assert expired.value.code == 403
    assert b"Signature expired" in expired.value.read()


def test_restricted_and_read_only_keys(api: Api) -> None:
    admin = api.client()
    for name in ("shop", "blog"):
        admin.create_application(applicationName=name)
    shop = api.client("shop-only")
    assert shop.list_applications()["applications"] == ["shop"]
    shop.create_deployment_group(applicationName="shop", deploymentGroupName="g", serviceRoleArn="r")
    with pytest.raises(ClientError) as other:
        shop.get_application(applicationName="blog")
    assert code(other) == "AccessDeniedException"
    with pytest.raises(ClientError) as shared:
        shop.create_deployment_config(deploymentConfigName="X", minimumHealthyHosts={"type": "HOST_COUNT",
                                                                                     "value": 1})
    assert code(shared) == "AccessDeniedException"
    reader = api.client("reader")
    assert reader.list_applications()["applications"] == ["blog", "shop"]
    with pytest.raises(ClientError) as read_only:
        reader.delete_application(applicationName="blog")
    assert code(read_only) == "AccessDeniedException"
    assert admin.list_applications()["applications"] == ["blog", "shop"]


@pytest.mark.parametrize(
    ("target", "body", "status", "error"),
    [
        ("CreateApplication", b"{not json", 400, "SerializationException"),
        ("CreateApplication", b'{"applicationName": 5}', 400, "ValidationException"),
        ("CreateApplication", b"[]", 400, "ValidationException"),
        ("Nope", b"{}", 400, "UnknownOperationException"),
        ("CreateApplication", b'{"applicationName": "bad name!"}', 400, "InvalidApplicationNameException"),
        ("CreateApplication", b'{"applicationName": "' + b"x" * 101 + b'"}', 400, "InvalidApplicationNameException"),
        ("CreateDeploymentGroup", b'{"applicationName": "nope", "deploymentGroupName": "g", "serviceRoleArn": "r"}',
         400, "ApplicationDoesNotExistException"),
        ("CreateDeployment", b'{"applicationName": "nope", "deploymentGroupName": "g", "description": "'
         + b"d" * 300 + b'"}', 400, "ApplicationDoesNotExistException"),
        ("RegisterApplicationRevision", b'{"applicationName": "nope", "revision": {"revisionType": "S3"}}', 400,
         "InvalidRevisionException"),
        ("CreateApplication", b'{"applicationName": "' + b"x" * (2 << 20) + b'"}', 413,
         "RequestEntityTooLargeException"),
    ],
)
def test_bad_input_is_a_clear_4xx(api: Api, target: str, body: bytes, status: int, error: str) -> None:
    response = signed_post(api, target, body)
    assert response[0] == status, response
    assert response[1]["__type"] == error
    assert response[1]["message"]


def signed_post(api: Api, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
    import json
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    credential = api.credentials["admin"]
    request = AWSRequest(method="POST", url=api.url + "/", data=body,
                         headers={"X-Amz-Target": f"CodeDeploy_20141006.{target}",
                                  "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(Credentials(credential.access_key_id, credential.secret_access_key), "codedeploy",
              "us-east-1").add_auth(request)
    prepared = request.prepare()
    raw = urllib.request.Request(prepared.url, data=prepared.body, method="POST", headers=dict(prepared.headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())



def test_cli_push_to_s3_and_deploy(api: Api, moto_endpoint: str, tmp_path: Path) -> None:  # noqa: F811
    """`deployq push --s3-location` (like `aws deploy push`) then `deployq deploy` from that S3 location."""
    import json
    import os
    import subprocess
    import sys

    boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                 aws_secret_access_key="testing").create_bucket(Bucket="releases")
    api.fleet.env.update({**AWS_ENV, "DEPLOYQ_S3_ENDPOINT_URL": moto_endpoint})
    api.fleet.start(["web-1"])
    api.fleet.group("shop", "prod")
    admin = api.credentials["admin"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEPLOYQ_", "AWS_"))}
    env.update({**AWS_ENV, "AWS_ENDPOINT_URL_S3": moto_endpoint, "DEPLOYQ_ENDPOINT": api.url,
                "DEPLOYQ_TOKEN": str(admin.token), "DEPLOYQ_ACCESS_KEY_ID": str(admin.access_key_id),
                "DEPLOYQ_SECRET_ACCESS_KEY": str(admin.secret_access_key),
                "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
    source = make_revision(tmp_path / "src", "v1", api.fleet.journal)

    def deployq(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "deployq", *args], env=env, capture_output=True, text=True,
                              timeout=180)

    pushed = deployq("-o", "json", "push", str(source), "-a", "shop", "--s3-location", "s3://releases/shop/v1.zip")
    assert pushed.returncode == 0, pushed.stderr
    revision = json.loads(pushed.stdout)["revision"]
    assert revision["s3Location"]["bucket"] == "releases" and revision["s3Location"]["eTag"]
    assert api.client().list_application_revisions(applicationName="shop")["revisions"] == [revision]
    deployed = deployq("deploy", "shop", "prod", "--s3-location", "s3://releases/shop/v1.zip")
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert api.fleet.agents[0].installed("web-1", "/srv/app/index.html").read_text() == "version v1\n"
    failed = deployq("push", str(source), "-a", "shop", "--s3-location", "s3://no-such-bucket/x.zip")
    assert failed.returncode == 1
    assert f"Failed to upload '{source}' to 's3://no-such-bucket/x.zip'" in failed.stderr
