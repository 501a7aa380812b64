"""Driving the messaging pipeline as in AWS: HTTP API → webhooks → SQS → processor → SQS → outbound."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import boto3
from outbound.handler import handler as outbound_handler
from webhook_processor.handler import handler as processor_handler
from webhooks.handler import handler as webhooks_handler

from infra.local.events import LambdaContext, http_api_event
from infra.local.queues import sqs_record
from sportello.config import settings
from tests.conftest import TEST_PROVIDER_SECRETS

PUBLIC_HOST = "desk.example.com"


def webhook_url(provider: str, query: Mapping[str, str] | None = None) -> str:
    suffix = f"?{urlencode(query)}" if query else ""
    return f"https://{PUBLIC_HOST}/webhooks/{provider}{suffix}"


def post_webhook(
    provider: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    method: str = "POST",
    query: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    event = http_api_event(
        method,
        f"/webhooks/{provider}",
        query=query,
        headers=headers,
        body=body,
        domain_name=PUBLIC_HOST,
        scheme="https",
    )
    event["pathParameters"] = {"provider": provider}
    response: dict[str, Any] = webhooks_handler(event, LambdaContext("webhooks"))
    return response


def meta_headers(body: bytes) -> dict[str, str]:
    digest = hmac.new(TEST_PROVIDER_SECRETS["app_secret"].encode(), body, hashlib.sha256).hexdigest()
    return {"content-type": "application/json", "x-hub-signature-256": f"sha256={digest}"}


def telegram_headers() -> dict[str, str]:
    return {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": TEST_PROVIDER_SECRETS["secret_token"],
    }


def slack_headers(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(TEST_PROVIDER_SECRETS["signing_secret"].encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": stamp,
        "x-slack-signature": f"v0={digest}",
    }


def twilio_headers(url: str, params: Mapping[str, str]) -> dict[str, str]:
    """Twilio's documented scheme: HMAC-SHA1 of the URL followed by the sorted POST parameters."""
    payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(TEST_PROVIDER_SECRETS["auth_token"].encode(), payload.encode(), hashlib.sha1).digest()
    return {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": base64.b64encode(digest).decode(),
    }


def _drain(queue_url: str, handler: Any, name: str, max_batches: int = 100) -> int:
    sqs = boto3.client("sqs")
    delivered = 0
    for _ in range(max_batches):
        messages = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            VisibilityTimeout=0,
        ).get("Messages", [])
        if not messages:
            return delivered
        event = {"Records": [sqs_record(m, f"arn:aws:sqs:eu-west-1:123456789012:{name}") for m in messages]}
        result = handler(event, LambdaContext(name))
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        delivered += len(messages) - len(failed)
        if failed:
            return delivered
    return delivered


def process_inbound() -> int:
    """Runs the processor over everything in the inbound queue; returns how many it processed."""
    return _drain(str(settings().inbound_queue_url), processor_handler, "webhook_processor")


def process_outbound() -> int:
    return _drain(str(settings().outbound_queue_url), outbound_handler, "outbound")


def json_body(value: Any) -> bytes:
    return json.dumps(value).encode()


def run_concurrently(*work: Callable[[], None]) -> None:
    """Runs each callable in its own thread and re-raises the first error any of them raised.

    A thread's exception (an AssertionError included) would otherwise only be printed, and the
    test that started it would pass.
    """
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # handed to the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
