"""One correlation id through a ticket's life, and the metrics it leaves, through the real handlers.

Log lines are captured as Powertools writes them: JSON, formatted by the functions' own formatter (every
handler's `Logger()` and the domain's `sportello.*` loggers share it), at the moment they are written.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from routing.handler import handler as routing_handler

from email_inbound.handler import logger as powertools_logger
from infra.constants import ROUTING_FUNCTION
from infra.local import lambdas
from sportello import correlation
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.events import EventKind
from tests.integration.api import call

from .conftest import Cloud
from .mail import compose, deliver
from .messaging import post_webhook, process_inbound, process_outbound, telegram_headers
from .routing import Desk
from .ticket_stream import serialized

Logs = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def json_logs() -> Iterator[Logs]:
    """Every log line of the functions (and of the domain below them) during the test, parsed."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(powertools_logger.registered_formatter)
    shared = logging.getLogger(powertools_logger.service)  # what `Logger()` logs through: "sportello"
    shared.addHandler(capture)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        shared.removeHandler(capture)


def lines_saying(logs: Logs, text: str) -> list[dict[str, Any]]:
    found = [line for line in logs() if text in line["message"]]
    assert found, f"no log line says {text!r}: {[line['message'] for line in logs()]}"
    return found


def emf_documents(output: str) -> list[dict[str, Any]]:
    """The embedded-metric-format lines among what the functions printed."""
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def counted(documents: list[dict[str, Any]], name: str) -> list[tuple[dict[str, str], float]]:
    """(dimensions, total) of each EMF document that carries `name`."""
    found = []
    for document in documents:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        if any(metric["Name"] == name for metric in directive["Metrics"]):
            assert directive["Namespace"] == "Sportello"
            dimensions = {key: document[key] for keys in directive["Dimensions"] for key in keys}
            found.append((dimensions, sum(document[name])))
    return found


def test_one_correlation_id_from_a_mail_to_its_events_and_the_ticket_events_consumer(
    cloud: Cloud, json_logs: Logs, capsys: pytest.CaptureFixture[str]
) -> None:
    ses_id = "0102019a7c3f5e1d-6b1c8e8a-mail-of-mario"

    report = deliver(cloud, compose(), ses_id=ses_id)

    assert (report["result"], report["ticket"]) == ("ticket_created", 1)
    # The function's own line and the domain's (a child logger) carry the id; the handler adds the ticket.
    (entry,) = lines_saying(json_logs, "inbound mail: ticket_created")
    assert (entry["correlation_id"], entry["ticket"]) == (ses_id, 1)
    (domain,) = lines_saying(json_logs, f"mail inbound/{ses_id}: ticket_created")
    assert domain["correlation_id"] == ses_id
    assert counted(emf_documents(capsys.readouterr().out), "TicketsCreated") == [({"channel": "email"}, 1)]

    # When the stream and the routing workflow it starts have run, one handler at a time as in Lambda
    # (each function is a process of its own; here moto runs routing's steps on a thread of its own)
    lambdas.install({ROUTING_FUNCTION: serialized(routing_handler)})
    Desk().settle()

    handled = lines_saying(json_logs, "ticket #1: ticket_created")
    assert [(line["correlation_id"], line["ticket"]) for line in handled] == [(ses_id, 1)]
    # Every event the mail caused keeps it: the ticket's creation, and what routing did with it (the
    # acknowledgement, the decisions), though routing ran in other functions
    events = DynamoTicketRepository().history(1).events
    assert {event.kind for event in events} >= {
        EventKind.TICKET_CREATED,
        EventKind.ACKNOWLEDGEMENT_SENT,
        EventKind.TRIGGER_FIRED,
    }
    assert {event.correlation_id for event in events} == {ses_id}
    # Nothing is left behind for the next invocation of a warm container.
    assert correlation.current() is None
    assert powertools_logger.get_correlation_id() is None


def test_a_webhook_delivery_is_known_by_its_body_digest_and_a_reply_by_the_agents_request(
    cloud: Cloud, fake_providers: Any, json_logs: Logs
) -> None:
    payload = {
        "update_id": 700001,
        "message": {
            "message_id": 41,
            "date": 1764576000,
            "chat": {"id": 9001, "type": "private", "first_name": "Giulia"},
            "from": {"id": 9001, "is_bot": False, "first_name": "Giulia"},
            "text": "Buongiorno, ho bisogno di aiuto",
        },
    }
    body = json.dumps(payload).encode()
    digest = hashlib.sha256(body).hexdigest()

    assert post_webhook("telegram", body, telegram_headers())["statusCode"] == 200
    assert process_inbound() == 1

    (processed,) = lines_saying(json_logs, "processed a telegram delivery")
    assert processed["correlation_id"] == digest
    customer_events = DynamoTicketRepository().history(1).events
    assert {event.correlation_id for event in customer_events} == {digest}

    assert call("POST", "/api/tickets/1/messages", {"body": "Eccomi", "public": True}).status == 201
    assert process_outbound() == 1

    (sent,) = lines_saying(json_logs, "reply sent")
    request_id = sent["correlation_id"]
    assert request_id not in (None, digest)
    assert sent["ticket"] == 1
    later = [
        e for e in DynamoTicketRepository().history(1).events if e.id not in {c.id for c in customer_events}
    ]
    # The agent's reply (saved by agent_api) and its delivery (recorded by outbound) share the request's id.
    assert {event.kind for event in later} >= {EventKind.MESSAGE_ADDED, EventKind.DELIVERY_CHANGED}
    assert {event.correlation_id for event in later} == {request_id}


def test_failures_and_quarantines_are_counted_in_the_embedded_metric_format(
    cloud: Cloud, fake_providers: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(
        cloud,
        compose(),
        verdicts={"spam": "FAIL", "virus": "PASS", "spf": "PASS", "dkim": "PASS", "dmarc": "PASS"},
    )
    assert counted(emf_documents(capsys.readouterr().out), "Quarantined") == [({"channel": "email"}, 1)]

    body = json.dumps(
        {
            "update_id": 700002,
            "message": {
                "message_id": 42,
                "date": 1764576000,
                "chat": {"id": 9002, "type": "private", "first_name": "Piero"},
                "from": {"id": 9002, "is_bot": False, "first_name": "Piero"},
                "text": "Salve",
            },
        }
    ).encode()
    post_webhook("telegram", body, telegram_headers())
    process_inbound()
    store = DynamoTicketRepository()
    store.write(replace(store.get(1), channel_address="not-a-chat-id"))  # the fake refuses it with a 400
    call("POST", "/api/tickets/1/messages", {"body": "Hello?", "public": True})
    capsys.readouterr()

    process_outbound()

    assert counted(emf_documents(capsys.readouterr().out), "OutboundFailures") == [({}, 1)]
