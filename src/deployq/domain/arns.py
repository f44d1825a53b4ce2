"""ARNs in CodeDeploy's form, for a self-hosted region and account."""

from __future__ import annotations

REGION = "local"
ACCOUNT = "000000000000"


def arn(resource: str) -> str:
    return f"arn:aws:codedeploy:{REGION}:{ACCOUNT}:{resource}"


def instance_arn(name: str) -> str:
    return arn(f"instance/{name}")


def application_arn(name: str) -> str:
    return arn(f"application:{name}")


def deployment_group_arn(application: str, group: str) -> str:
    return arn(f"deploymentgroup:{application}/{group}")
