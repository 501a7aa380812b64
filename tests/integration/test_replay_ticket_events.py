"""`make replay QUEUE=ticket-events`: parked stream batches are re-read from the stream and handled again."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import replay
from infra.constants import TICKET_EVENTS_DLQ, TICKET_EVENTS_FILTER, TICKET_EVENTS_FUNCTION
from infra.local.streams import dead_letter_message, matches
from sportello.store.tickets import DynamoTicketRepository

from .api import call
from .conftest import Cloud
from .mail import compose, deliver
from .ticket_stream import every_record, reader


def dead_letters() -> str:
    return str(boto3.client("sqs").create_queue(QueueName=TICKET_EVENTS_DLQ)["QueueUrl"])


def park_the_tickets_events(cloud: Cloud) -> list[dict[str, Any]]:
    """A ticket opened by mail whose events failed every retry: their coordinates are in the DLQ."""
    deliver(cloud, compose(sender="mario@example.org", subject="Non riesco ad accedere"))
    events = [record for record in every_record() if matches(TICKET_EVENTS_FILTER, record)]
    (shard,) = reader().shard_ids()
    message = dead_letter_message(reader().stream_arn, shard, events, TICKET_EVENTS_FUNCTION)
    boto3.client("sqs").send_message(QueueUrl=dead_letters(), MessageBody=json.dumps(message))
    return events


def parked() -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = (
        boto3.client("sqs")
        .receive_message(QueueUrl=dead_letters(), MaxNumberOfMessages=10)
        .get("Messages", [])
    )
    return messages


def last_activity() -> str | None:
    value: str | None = call("GET", "/api/tickets/1").body["ticket"]["last_activity_at"]
    return value


def test_a_parked_batch_is_read_back_from_the_stream_and_handled(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    events = park_the_tickets_events(cloud)

    status = replay.main(["ticket-events"])

    assert status == 0
    assert last_activity() is not None
    assert parked() == []
    output = capsys.readouterr().out.splitlines()
    assert f"replayed 1/1 batches ({len(events)} events)" in output
    assert output[-1] == f"replayed 1 batches ({len(events)} ticket events) from {TICKET_EVENTS_DLQ}"


def test_a_batch_that_fails_again_stays_parked(
    cloud: Cloud, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    park_the_tickets_events(cloud)

    def still_broken(self: DynamoTicketRepository, number: int, at: Any) -> None:
        raise RuntimeError("the table is still refusing writes")

    monkeypatch.setattr(DynamoTicketRepository, "record_activity", still_broken)

    assert replay.main(["ticket-events"]) == 1

    assert len(parked()) == 1  # and visible again at once
    assert "1 batches failed again and stay in sportello-ticket-events-dlq" in capsys.readouterr().out


class TrimmedStream:
    """The Streams API once the records are past the stream's 24-hour retention."""

    def __init__(self) -> None:
        self._streams = boto3.client("dynamodbstreams")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._streams, name)

    def get_shard_iterator(self, **request: Any) -> dict[str, Any]:
        error = {"Code": "TrimmedDataAccessException", "Message": "beyond the trim horizon"}
        raise ClientError({"Error": error}, "GetShardIterator")


def test_a_batch_older_than_the_stream_is_reported_gone_and_kept(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    park_the_tickets_events(cloud)

    assert replay.main(["ticket-events"], streams=TrimmedStream()) == 1

    assert last_activity() is None
    assert len(parked()) == 1
    output = capsys.readouterr().out
    assert "gone from the stream, which keeps records 24 hours" in output
    assert "1 batches are no longer in the stream (older than 24 hours)" in output


def test_a_missing_dead_letter_queue_is_explained(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    assert replay.main(["ticket-events"]) == 2

    assert "cannot replay sportello-ticket-events-dlq" in capsys.readouterr().err
