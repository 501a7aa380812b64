"""Lambda events shaped as AWS sends them, for the local cloud and the tests."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from typing import Any
from urllib.parse import urlencode

LOCAL_ACCOUNT = "123456789012"
# Every SES check passed: the verdicts of mail from an authenticated sender.
PASSING_VERDICTS = dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "PASS")


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def ses_message_id() -> str:
    # SES ids are opaque lower-case tokens; the raw mail is stored under inbound/<id>.
    return uuid.uuid4().hex + uuid.uuid4().hex[:8]


def ses_receipt_event(
    message_id: str,
    raw: bytes,
    recipients: Sequence[str],
    mail_from: str,
    verdicts: Mapping[str, str] | None = None,
    function_arn: str = f"arn:aws:lambda:eu-west-1:{LOCAL_ACCOUNT}:function:email_inbound",
) -> dict[str, Any]:
    """The event an SES receipt rule's Lambda action delivers (the mail itself is not in it)."""
    verdicts = dict(verdicts or {})
    # Only the top-level header block, as SES reports it: parsing the whole MIME tree here would die
    # on a deeply nested mail (RecursionError) after SMTP had already answered 250.
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    status = {
        name: {"status": verdicts.get(name, "GRAY")} for name in ("spam", "virus", "spf", "dkim", "dmarc")
    }
    return {
        "Records": [
            {
                "eventSource": "aws:ses",
                "eventVersion": "1.0",
                "ses": {
                    "mail": {
                        "timestamp": _now_iso(),
                        "source": mail_from,
                        "messageId": message_id,
                        "destination": list(recipients),
                        "headersTruncated": False,
                        "headers": [{"name": k, "value": str(v)} for k, v in headers.items()],
                        "commonHeaders": {
                            "from": [str(headers.get("From", ""))],
                            "to": [str(headers.get("To", ""))],
                            "messageId": str(headers.get("Message-ID", "")),
                            "subject": str(headers.get("Subject", "")),
                        },
                    },
                    "receipt": {
                        "timestamp": _now_iso(),
                        "processingTimeMillis": 1,
                        "recipients": list(recipients),
                        "spamVerdict": status["spam"],
                        "virusVerdict": status["virus"],
                        "spfVerdict": status["spf"],
                        "dkimVerdict": status["dkim"],
                        "dmarcVerdict": status["dmarc"],
                        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
                    },
                },
            }
        ]
    }


def http_api_event(
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    claims: Mapping[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
    domain_name: str = "127.0.0.1",
    scheme: str = "http",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) event, as the JWT authorizer passes it on."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    lowered.setdefault("x-forwarded-proto", scheme)
    is_text = lowered.get("content-type", "").startswith(
        ("application/json", "text/", "application/x-www-form-urlencoded")
    )
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": lowered,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT,
            "apiId": "local",
            "domainName": domain_name,
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": "$default",
            "stage": "$default",
            "time": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": not is_text and bool(body),
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    return event


def scheduled_event(
    rule_name: str = "sportello-automations", at: datetime | None = None, region: str = "eu-west-1"
) -> dict[str, Any]:
    """An EventBridge schedule's event, as a rule with `rate(...)` sends it to its Lambda target."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": LOCAL_ACCOUNT,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{LOCAL_ACCOUNT}:rule/{rule_name}"],
        "detail": {},
    }


class LambdaContext:
    """Enough of the Lambda context object for Powertools' logger."""

    function_name = "local"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    aws_request_id = "local"
    invoked_function_arn = f"arn:aws:lambda:eu-west-1:{LOCAL_ACCOUNT}:function:local"

    def __init__(self, function_name: str = "local") -> None:
        self.function_name = function_name
        self.aws_request_id = uuid.uuid4().hex
        self.invoked_function_arn = f"arn:aws:lambda:eu-west-1:{LOCAL_ACCOUNT}:function:{function_name}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
