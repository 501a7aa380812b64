"""The local cloud's stand-in for the stream mapping: moto's real stream to the real ticket_events handler."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from ticket_events.handler import handler as ticket_events_handler

from infra.constants import TICKET_EVENTS_DLQ, TICKET_EVENTS_FUNCTION, TICKET_EVENTS_RETRY_ATTEMPTS
from infra.local.resources import ensure_stream
from infra.local.streams import StreamPoller, table_stream_arn
from sportello.config import settings

from .api import call
from .conftest import Cloud
from .mail import compose, deliver

Handler = Callable[[dict[str, Any], Any], Any]


class Invocations:
    """Wraps a handler: remembers each batch's records; fails the first `failures` invocations."""

    def __init__(self, handler: Handler, failures: int = 0) -> None:
        self._handler = handler
        self._failures = failures
        self.batches: list[list[dict[str, Any]]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        self.batches.append(event["Records"])
        if len(self.batches) <= self._failures:
            # Reports the last record failed, as a partial batch response does
            return {
                "batchItemFailures": [{"itemIdentifier": event["Records"][-1]["dynamodb"]["SequenceNumber"]}]
            }
        return self._handler(event, context)


def poller(handler: Handler) -> StreamPoller:
    dead_letters = boto3.client("sqs").create_queue(QueueName=TICKET_EVENTS_DLQ)["QueueUrl"]
    return StreamPoller(
        table_stream_arn(settings().table_name),
        handler,
        TICKET_EVENTS_FUNCTION,
        threading.RLock(),
        lambda: None,
        threading.Event(),
        dead_letter_url=dead_letters,
    )


def poll_until_quiet(stream: StreamPoller) -> None:
    while stream.poll_once():
        pass


def test_new_ticket_events_reach_the_handler_and_nothing_else_does(cloud: Cloud) -> None:
    # Given the poller started (at the stream's end) and then a ticket opened by mail
    invocations = Invocations(ticket_events_handler)
    stream = poller(invocations)
    deliver(cloud, compose(sender="mario@example.org", subject="Non riesco ad accedere"))

    # When it polls
    poll_until_quiet(stream)

    # Then the handler got the ticket's event items only, shaped as Lambda sends them
    records = [record for batch in invocations.batches for record in batch]
    assert records
    assert {record["eventName"] for record in records} == {"INSERT"}
    assert {record["dynamodb"]["NewImage"]["item_type"]["S"] for record in records} == {"event"}
    assert all(record["eventSourceARN"] == table_stream_arn(settings().table_name) for record in records)
    assert all(isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int) for record in records)
    json.dumps(invocations.batches)  # as the Lambda service would serialise them
    # And the ticket shows its last activity
    assert call("GET", "/api/tickets/1").body["ticket"]["last_activity_at"] is not None


def test_a_failed_record_is_delivered_again_from_where_it_failed(cloud: Cloud) -> None:
    invocations = Invocations(ticket_events_handler, failures=1)
    stream = poller(invocations)
    deliver(cloud, compose(sender="mario@example.org", subject="Fattura"))

    poll_until_quiet(stream)

    first, retried, *_ = invocations.batches
    assert retried[0] == first[-1]  # the failed record starts the next batch
    assert call("GET", "/api/tickets/1").body["ticket"]["last_activity_at"] is not None


def test_a_batch_failing_every_retry_is_parked_as_stream_coordinates(cloud: Cloud) -> None:
    # Given a handler that fails every time
    invocations = Invocations(ticket_events_handler, failures=1000)
    stream = poller(invocations)
    deliver(cloud, compose(sender="mario@example.org", subject="Ordine"))

    # When the poller has retried as often as the mapping does
    for _ in range(TICKET_EVENTS_RETRY_ATTEMPTS + 1):
        stream.poll_once()

    # Then the batch's coordinates are in the dead-letter queue, as Lambda's on-failure destination puts them
    assert len(invocations.batches) == TICKET_EVENTS_RETRY_ATTEMPTS + 1
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=TICKET_EVENTS_DLQ)["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    info = json.loads(message["Body"])["DDBStreamBatchInfo"]
    batch = invocations.batches[-1]
    assert info["streamArn"] == table_stream_arn(settings().table_name)
    assert info["startSequenceNumber"] == batch[0]["dynamodb"]["SequenceNumber"]
    assert info["endSequenceNumber"] == batch[-1]["dynamodb"]["SequenceNumber"]
    assert info["batchSize"] == len(batch)
    # And the poller moved on
    assert stream.poll_once() == 0


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="infra.local.streams")


def test_a_table_saved_before_the_stream_existed_gets_one(cloud: Cloud) -> None:
    # Given a table from an older local state, without a stream
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="saved-before-streams",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    # When the local cloud provisions it
    ensure_stream("saved-before-streams")
    ensure_stream("saved-before-streams")  # and again on the next start

    # Then it has the stream the CDK stack deploys
    table = dynamodb.describe_table(TableName="saved-before-streams")["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table_stream_arn("saved-before-streams")
