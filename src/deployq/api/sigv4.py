"""Verifying AWS Signature Version 4 on incoming requests, with botocore's own signer."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from deployq.api.credentials import Credential, Credentials

MAX_SKEW = timedelta(minutes=15)
_AUTH = re.compile(
    r"AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/"
    r"aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


class AuthError(Exception):
    """An authentication failure, in AWS's words: (HTTP status, __type, message)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def verify(method: str, url: str, headers: Mapping[str, str], body: bytes, credentials: Credentials,
           now: datetime | None = None) -> Credential:
    lowered = {k.lower(): v for k, v in headers.items()}
    authorization = lowered.get("authorization")
    if not authorization:
        raise AuthError(403, "MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTH.fullmatch(authorization.strip())
    if not match:
        raise AuthError(400, "IncompleteSignatureException",
                        "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
                        "in AWS Signature Version 4 form.")
    credential = credentials.by_access_key(match["key"])
    if credential is None or not credential.secret_access_key:
        raise AuthError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = lowered.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise AuthError(400, "IncompleteSignatureException", "The request has no valid X-Amz-Date header.") from None
    now = now or datetime.now(UTC)
    if abs(now - signed_at) > MAX_SKEW:
        raise AuthError(403, "InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier than "
                        f"{(now - MAX_SKEW).strftime('%Y%m%dT%H%M%SZ')} ({now.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)")
    names = match["headers"].split(";")
    if "host" not in names:
        raise AuthError(400, "IncompleteSignatureException", "The host header must be signed.")
    request = AWSRequest(method=method, url=url, data=body,
                         headers={name: lowered.get(name, "") for name in names})
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(BotoCredentials(credential.access_key_id, credential.secret_access_key),
                       match["service"], match["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise AuthError(403, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature you provided. Check your "
                        "AWS Secret Access Key and signing method.")
    return credential
