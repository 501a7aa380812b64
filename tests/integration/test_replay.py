"""`make replay`: dead-lettered messages go back to their queue; only what was sent leaves the DLQ."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import replay
from infra.constants import DLQ_SUFFIX, INBOUND_QUEUE, OUTBOUND_QUEUE
from tests.integration.conftest import Cloud


def url(name: str) -> str:
    return str(boto3.client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def park(name: str, bodies: list[str], **extra: Any) -> None:
    """Puts messages straight into `<name>-dlq`, as the redrive policy would after the last receive."""
    sqs = boto3.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=url(f"{name}{DLQ_SUFFIX}"), MessageBody=body, **extra)


def drain(name: str) -> list[dict[str, Any]]:
    """Every visible message of a queue (received, so hidden afterwards)."""
    sqs = boto3.client("sqs")
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url(name), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        messages += batch
    return messages


def in_flight(name: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url(name), AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesNotVisible"])


def jobs(count: int, size: int = 0) -> list[str]:
    return [
        json.dumps({"provider": "telegram", "key": f"webhooks/telegram/{n:064x}", "pad": "x" * size})
        for n in range(count)
    ]


def test_every_dead_lettered_delivery_goes_back_to_the_inbound_queue(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given 23 deliveries parked in the inbound dead-letter queue
    bodies = jobs(23)
    park(INBOUND_QUEUE, bodies)

    # When the operator runs `make replay` (inbound is the default)
    status = replay.main([])

    # Then all of them are back in the queue, the DLQ is empty, and the run said so
    assert status == 0
    assert sorted(m["Body"] for m in drain(INBOUND_QUEUE)) == sorted(bodies)
    assert drain(f"{INBOUND_QUEUE}{DLQ_SUFFIX}") == []
    assert in_flight(f"{INBOUND_QUEUE}{DLQ_SUFFIX}") == 0
    output = capsys.readouterr().out.splitlines()
    assert output[:3] == ["moved 10/23", "moved 20/23", "moved 23/23"]
    assert output[-1] == "replayed 23 messages from sportello-inbound-dlq to sportello-inbound"


def test_outbound_replies_keep_their_attributes(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    attributes = {"origin": {"DataType": "String", "StringValue": "agent_api"}}
    park(OUTBOUND_QUEUE, ['{"ticket": 7}'], MessageAttributes=attributes)

    assert replay.main(["outbound"]) == 0

    (message,) = drain(OUTBOUND_QUEUE)
    assert message["Body"] == '{"ticket": 7}'
    assert message["MessageAttributes"]["origin"]["StringValue"] == "agent_api"
    assert drain(f"{OUTBOUND_QUEUE}{DLQ_SUFFIX}") == []
    assert drain(INBOUND_QUEUE) == []  # the other queue is untouched
    assert capsys.readouterr().out.endswith(
        "replayed 1 messages from sportello-outbound-dlq to sportello-outbound\n"
    )


def test_a_message_the_queue_refuses_stays_in_the_dead_letter_queue(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a queue that now refuses bodies over 1 KiB, and one such body among the parked ones
    boto3.client("sqs").set_queue_attributes(
        QueueUrl=url(INBOUND_QUEUE), Attributes={"MaximumMessageSize": "1024"}
    )
    small, large = jobs(2), jobs(1, size=2000)
    park(INBOUND_QUEUE, small + large)

    # When replaying (SQS refuses the whole batch, so replay sends one by one)
    status = replay.main(["inbound"])

    # Then the two others moved, and the refused one is still in the DLQ, visible again at once
    assert status == 1
    assert sorted(m["Body"] for m in drain(INBOUND_QUEUE)) == sorted(small)
    assert [m["Body"] for m in drain(f"{INBOUND_QUEUE}{DLQ_SUFFIX}")] == large
    output = capsys.readouterr().out
    assert "replayed 2 messages from sportello-inbound-dlq to sportello-inbound" in output
    assert "1 messages could not be sent and stay in sportello-inbound-dlq" in output


class RefusesPoison:
    """SQS answering a batch send with a per-entry failure for bodies that contain "poison"."""

    def __init__(self) -> None:
        self._sqs = boto3.client("sqs")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sqs, name)

    def send_message_batch(self, **request: Any) -> dict[str, Any]:
        entries = request.pop("Entries")
        good = [e for e in entries if "poison" not in e["MessageBody"]]
        result = self._sqs.send_message_batch(**request, Entries=good) if good else {}
        failed = [
            {"Id": e["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
            for e in entries
            if "poison" in e["MessageBody"]
        ]
        return {"Successful": result.get("Successful", []), "Failed": failed}


def test_a_message_whose_send_failed_is_not_deleted(cloud: Cloud) -> None:
    bodies = jobs(4)
    poison = json.dumps({"provider": "slack", "poison": True})
    park(INBOUND_QUEUE, [*bodies, poison])

    assert replay.main(["inbound"], sqs=RefusesPoison()) == 1

    assert sorted(m["Body"] for m in drain(INBOUND_QUEUE)) == sorted(bodies)
    assert [m["Body"] for m in drain(f"{INBOUND_QUEUE}{DLQ_SUFFIX}")] == [poison]


class RefusesEverything(RefusesPoison):
    def send_message_batch(self, **request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "SendMessageBatch")

    def send_message(self, **kwargs: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "SendMessage")


def test_a_run_that_cannot_send_anything_stops_and_deletes_nothing(
    cloud: Cloud, capsys: pytest.CaptureFixture[str]
) -> None:
    park(INBOUND_QUEUE, jobs(35))

    assert replay.main(["inbound"], sqs=RefusesEverything()) == 1

    assert drain(INBOUND_QUEUE) == []
    assert len(drain(f"{INBOUND_QUEUE}{DLQ_SUFFIX}")) == 35  # all of them, visible again
    output = capsys.readouterr().out
    assert "3 batches in a row could not be sent to sportello-inbound: stopping" in output
    assert "replayed 0 messages" in output


def test_a_missing_queue_is_explained(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    boto3.client("sqs").delete_queue(QueueUrl=url(f"{OUTBOUND_QUEUE}{DLQ_SUFFIX}"))

    assert replay.main(["outbound"]) == 2

    assert "cannot replay sportello-outbound-dlq" in capsys.readouterr().err


class CannotDelete(RefusesPoison):
    def delete_message_batch(self, **request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteMessageBatch")


def test_a_failed_delete_is_reported_not_hidden(cloud: Cloud, capsys: pytest.CaptureFixture[str]) -> None:
    park(INBOUND_QUEUE, jobs(2))

    assert replay.main(["inbound"], sqs=CannotDelete()) == 1

    assert len(drain(INBOUND_QUEUE)) == 2
    assert "2 messages were sent but are still in sportello-inbound-dlq" in capsys.readouterr().out
