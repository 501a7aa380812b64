"""A customer on each messaging channel reaches the desk and gets the agent's answer on the same channel."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import replace
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3
import pytest

from sportello.app import sportello
from sportello.store.tickets import DynamoTicketRepository, message_key
from sportello.tickets.bodies import body_key
from tests.conftest import CORPUS

from .api import call
from .messaging import (
    meta_headers,
    post_webhook,
    process_inbound,
    process_outbound,
    run_concurrently,
    slack_headers,
    telegram_headers,
    twilio_headers,
    webhook_url,
)

WEBHOOKS = CORPUS / "webhooks"


def _json(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((WEBHOOKS / relative).read_text())
    return loaded


def whatsapp_text(
    text: str, message_id: str = "wamid.flow1", at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    payload = _json("whatsapp_cloud/split/message__text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"id": message_id, "timestamp": str(at if at is not None else int(time.time()))})
    message["text"]["body"] = text
    body = json.dumps(payload).encode()
    return body, meta_headers(body)


def telegram_text(text: str, message_id: int = 1365) -> tuple[bytes, dict[str, str]]:
    payload = _json("telegram/tgdocs_01_message_text_start.json")
    payload["message"].update({"text": text, "message_id": message_id})
    return json.dumps(payload).encode(), telegram_headers()


def slack_dm(text: str) -> tuple[bytes, dict[str, str]]:
    payload = _json("slack/bolt-python__test_message__message_body_L253.json")
    payload["event"].update({"channel_type": "im", "channel": "D111", "text": text})
    payload["event"].pop("blocks", None)
    body = json.dumps(payload).encode()
    return body, slack_headers(body)


def twilio_sms(text: str) -> tuple[bytes, dict[str, str]]:
    params = dict(parse_qsl((WEBHOOKS / "twilio_sms/zammad__inbound_sms1.form.txt").read_text().strip()))
    params["Body"] = text
    return urlencode(params).encode(), twilio_headers(webhook_url("twilio-sms"), params)


def messenger_text(provider: str, text: str) -> tuple[bytes, dict[str, str]]:
    event = _json("facebook_messenger/metadocs__messages_event__text_quick_reply.json")
    event["message"] = {"mid": f"mid.{provider}.1", "text": text}
    event["sender"] = {"id": "PSID-123"}
    event["timestamp"] = int(time.time() * 1000)
    envelope = {
        "object": "page" if provider == "messenger" else "instagram",
        "entry": [{"id": "1", "time": 1, "messaging": [event]}],
    }
    body = json.dumps(envelope).encode()
    return body, meta_headers(body)


CHANNELS = {
    "whatsapp": (lambda: whatsapp_text("Ciao, il mio ordine non è arrivato"), "whatsapp"),
    "telegram": (lambda: telegram_text("Hello, I need help"), "telegram"),
    "slack": (lambda: slack_dm("Hello from Slack"), "slack"),
    "twilio-sms": (lambda: twilio_sms("Hello by SMS"), "sms"),
    "messenger": (lambda: messenger_text("messenger", "Hello on Messenger"), "messenger"),
    "instagram": (lambda: messenger_text("instagram", "Hello on Instagram"), "instagram"),
}


@pytest.mark.parametrize("provider", sorted(CHANNELS))
def test_customer_writes_and_the_answer_goes_back_on_the_same_channel(cloud, fake_providers, provider):
    make, channel = CHANNELS[provider]
    body, headers = make()

    assert post_webhook(provider, body, headers)["statusCode"] == 200
    assert process_inbound() == 1
    ticket = call("GET", "/api/tickets/1").body
    assert ticket["ticket"]["channel"] == channel
    sent_before = len(fake_providers.requests)

    reply = call("POST", "/api/tickets/1/messages", {"body": "We are on it!", "public": True})
    assert reply.status == 201
    assert reply.body["message"]["delivery_status"] == "queued"
    assert process_outbound() == 1

    sends = [r for r in fake_providers.requests[sent_before:] if "We are on it!" in json.dumps(r["payload"])]
    assert len(sends) == 1, fake_providers.requests[sent_before:]
    messages = call("GET", "/api/tickets/1").body["messages"]
    assert messages[-1]["delivery_status"] == "sent"


def test_same_customer_keeps_one_conversation(cloud):
    for message_id, text in enumerate(("first", "second", "third"), start=1):
        post_webhook("telegram", *telegram_text(text, message_id))
    process_inbound()

    assert [t["number"] for t in call("GET", "/api/tickets").body["items"]] == [1]
    assert len(call("GET", "/api/tickets/1").body["messages"]) == 3


def test_whatsapp_delivery_and_read_statuses_update_the_reply(cloud, fake_providers):
    body, headers = whatsapp_text("Ciao")
    post_webhook("whatsapp", body, headers)
    process_inbound()
    call("POST", "/api/tickets/1/messages", {"body": "Ciao! Come possiamo aiutarti?", "public": True})
    process_outbound()
    message = call("GET", "/api/tickets/1").body["messages"][-1]
    sent_id = DynamoTicketRepository().message(1, _message_sk(message)).external_id

    for state in ("delivered", "read", "delivered"):
        status = _json("whatsapp_cloud/split/message_status__delivered.json")
        entry = status["entry"][0]["changes"][0]["value"]["statuses"][0]
        entry.update({"id": sent_id, "status": state})
        raw = json.dumps(status).encode()
        post_webhook("whatsapp", raw, meta_headers(raw))
        process_inbound()

    assert call("GET", "/api/tickets/1").body["messages"][-1]["delivery_status"] == "read"
    assert [t["number"] for t in call("GET", "/api/tickets").body["items"]] == [1], "statuses open no ticket"


def _message_sk(message: dict[str, Any]) -> str:
    history = sportello().tickets.history(1)
    [match] = [m for m in history.messages if m.id == message["id"]]
    return message_key(match)


def test_whatsapp_reply_outside_the_24_hour_window_asks_for_a_template(cloud):
    body, headers = whatsapp_text("Old message", at=int(time.time()) - 25 * 3600)
    post_webhook("whatsapp", body, headers)
    process_inbound()

    response = call("POST", "/api/tickets/1/messages", {"body": "Sorry for the delay", "public": True})

    assert response.status == 422
    assert "template" in response.body["message"]


def test_concurrent_redeliveries_create_exactly_one_message(cloud, atomic_moto):
    body, headers = telegram_text("Sent once, delivered many times")
    statuses: list[int] = []

    def post() -> None:
        statuses.append(post_webhook("telegram", body, headers)["statusCode"])

    run_concurrently(*[post] * 8)
    jobs = _take_queued_jobs()
    assert statuses == [200] * 8
    assert len(jobs) == 8

    run_concurrently(*[partial(_process_like_sqs, job) for job in jobs])

    tickets = call("GET", "/api/tickets").body["items"]
    assert len(tickets) == 1
    assert len(call("GET", f"/api/tickets/{tickets[0]['number']}").body["messages"]) == 1


@pytest.mark.parametrize("known_customer", [False, True], ids=["new customer", "known customer"])
def test_two_different_first_messages_processed_at_once_open_one_ticket(
    cloud, atomic_moto, monkeypatch, known_customer
):
    # Given a customer's two first WhatsApp messages of a conversation, queued (a known customer's
    # earlier conversation is solved)
    if known_customer:
        post_webhook("whatsapp", *whatsapp_text("Earlier", "wamid.earlier"))
        for job in _take_queued_jobs():
            _process_like_sqs(job)
        version = call("GET", "/api/tickets/1").body["ticket"]["version"]
        assert call("PATCH", "/api/tickets/1", {"version": version, "status": "solved"}).status == 200
    for message_id, text in (("wamid.first", "Ciao"), ("wamid.second", "Il mio ordine non è arrivato")):
        post_webhook("whatsapp", *whatsapp_text(text, message_id))
    jobs = _take_queued_jobs()
    # Both workers look before either writes: the race, every time. A new customer is looked up by their
    # identity (and created with the ticket); a known one's open ticket is looked for among theirs.
    both_looked = threading.Barrier(len(jobs))
    read = "of_customer" if known_customer else "lookup"
    look = getattr(DynamoTicketRepository, read)

    def look_then_wait(self: DynamoTicketRepository, *args: Any, **kwargs: Any) -> Any:
        found = look(self, *args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=5)
        return found

    monkeypatch.setattr(DynamoTicketRepository, read, look_then_wait)

    # When two workers process them at the same time
    run_concurrently(*[partial(_process_like_sqs, job) for job in jobs])

    # Then one ticket holds both, and there is one customer
    tickets = call("GET", "/api/tickets").body["items"]
    assert [t["number"] for t in tickets] == [tickets[0]["number"]]
    assert len(call("GET", f"/api/tickets/{tickets[0]['number']}").body["messages"]) == 2
    numbers = [tickets[0]["number"], *([1] if known_customer else [])]
    owners = {call("GET", f"/api/tickets/{n}").body["ticket"]["requester"]["id"] for n in numbers}
    assert len(owners) == 1


def _take_queued_jobs() -> list[dict[str, Any]]:
    """Empties the inbound queue and returns its jobs, to be processed as the test decides."""
    jobs = []
    sqs = boto3.client("sqs")
    url = sportello().settings.inbound_queue_url
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        jobs += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return jobs


def _process_like_sqs(job: dict[str, Any]) -> None:
    """Processes a job as SQS would: a failed attempt is delivered again (a few times)."""
    failures: list[Exception] = []
    for _attempt in range(5):
        try:
            sportello().messaging.process(job)
        except Exception as error:  # moto's in-process backend is not fully thread-safe
            failures.append(error)
            continue
        return
    raise AssertionError(f"never processed: {failures}")


def test_a_one_megabyte_text_with_an_absurd_message_id_is_kept_whole(cloud):
    # Given a WhatsApp text of over a megabyte with a 3,000-character message id
    text = "Il mio ordine non è arrivato. " * 40_000
    body, headers = whatsapp_text(text, "wamid." + "x" * 3_000)

    # When it is delivered (and delivered again)
    post_webhook("whatsapp", body, headers)
    assert process_inbound() == 1
    post_webhook("whatsapp", body, headers)
    assert process_inbound() == 1

    # Then one ticket holds it: its item a preview, the whole text a link away
    [message] = call("GET", "/api/tickets/1").body["messages"]
    assert text.startswith(message["text"]) and len(message["text"]) < len(text)
    assert set(message["full_bodies"]) == {"text", "full_text"}
    stored = boto3.client("s3").get_object(
        Bucket=sportello().settings.data_bucket, Key=body_key(message["id"], "full_text")
    )
    assert stored["Body"].read().decode() == text


def test_failed_send_is_marked_failed(cloud, fake_providers):
    body, headers = telegram_text("Hello")
    post_webhook("telegram", body, headers)
    process_inbound()
    # A chat the provider refuses (the fake answers 400 for an unknown chat id).
    store = DynamoTicketRepository()
    store.write(replace(store.get(1), channel_address="not-a-chat-id"))

    call("POST", "/api/tickets/1/messages", {"body": "Hello?", "public": True})
    process_outbound()

    assert call("GET", "/api/tickets/1").body["messages"][-1]["delivery_status"] == "failed"
    assert any(e["kind"] == "delivery_failed" for e in call("GET", "/api/tickets/1").body["events"])


def test_agent_can_answer_on_another_of_the_customers_channels(cloud, fake_providers):
    post_webhook("telegram", *telegram_text("Please email me the invoice"))
    process_inbound()
    customer = call("GET", "/api/tickets/1").body["ticket"]["requester"]["id"]
    call("POST", f"/api/customers/{customer}/identities", {"kind": "email", "value": "luca@example.org"})

    reply = call(
        "POST", "/api/tickets/1/messages", {"body": "Invoice attached.", "public": True, "channel": "email"}
    )
    no_phone = call("POST", "/api/tickets/1/messages", {"body": "By SMS?", "public": True, "channel": "sms"})

    assert reply.status == 201
    assert reply.body["message"]["channel"] == "email"
    assert cloud.sent_mails()[-1]["To"].addresses[0].addr_spec == "luca@example.org"
    assert no_phone.status == 422
    assert "no sms identity" in no_phone.body["message"]


def _twilio_form(provider: str, params: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    return urlencode(params).encode(), twilio_headers(webhook_url(provider), params)


def test_a_phone_call_becomes_a_ticket_then_gains_duration_and_recording(cloud):
    call_sid = "CA0123456789abcdef0123456789abcdef"
    base = {"CallSid": call_sid, "From": "+393331234567", "To": "+390212345678", "Direction": "inbound"}
    recording = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE0123456789abcdef0123456789abcdef"

    post_webhook("twilio-voice", *_twilio_form("twilio-voice", {**base, "CallStatus": "ringing"}))
    post_webhook(
        "twilio-voice",
        *_twilio_form(
            "twilio-voice",
            {**base, "CallStatus": "completed", "CallDuration": "42", "RecordingUrl": recording},
        ),
    )
    process_inbound()

    page = call("GET", "/api/tickets/1").body
    assert page["ticket"]["channel"] == "voice"
    assert "+393331234567" in page["messages"][0]["text"]
    [update] = [e for e in page["events"] if e["kind"] == "call_updated"]
    assert update["data"]["duration_seconds"] == 42
    assert update["data"]["recording_url"] == recording


def test_one_phone_number_is_one_customer_on_whatsapp_sms_and_voice(cloud):
    number = "+972987654321"  # the WhatsApp corpus sender, without the "+" in wa_id
    post_webhook("whatsapp", *whatsapp_text("Ciao da WhatsApp"))
    sms = {
        "MessageSid": "SM0123456789abcdef0123456789abcdef",
        "From": number,
        "To": "+15005550006",
        "Body": "Hi by SMS",
        "NumMedia": "0",
    }
    post_webhook("twilio-sms", *_twilio_form("twilio-sms", sms))
    post_webhook(
        "twilio-voice",
        *_twilio_form(
            "twilio-voice", {"CallSid": "CA9", "From": number, "To": "+15005550006", "CallStatus": "ringing"}
        ),
    )
    process_inbound()

    tickets = call("GET", "/api/tickets").body["items"]
    assert sorted(t["channel"] for t in tickets) == ["sms", "voice", "whatsapp"]
    assert len({t["requester"]["id"] for t in tickets}) == 1
    customer = call("GET", f"/api/customers/{tickets[0]['requester']['id']}").body
    assert customer["identities"] == [{"kind": "phone", "value": number}]


def test_the_whatsapp_window_counts_from_the_customers_last_message_end_to_end(cloud, fake_providers):
    # Given a customer who wrote 25 hours ago, and again just now
    now = int(time.time())
    post_webhook("whatsapp", *whatsapp_text("Old message", "wamid.old", at=now - 25 * 3600))
    post_webhook("whatsapp", *whatsapp_text("Still waiting", "wamid.new", at=now - 60))
    process_inbound()

    # When an agent answers, Then the window is open: it counts from their last message
    assert call("POST", "/api/tickets/1/messages", {"body": "Here we are", "public": True}).status == 201


def test_a_telegram_edit_replaces_the_stored_text_end_to_end(cloud):
    # Given a customer's Telegram message
    post_webhook("telegram", *telegram_text("I ordered 2 boxes", 7))
    process_inbound()

    # When they edit it on their app
    edit = _json("telegram/tgdocs_05_edited_message.json")
    edit["edited_message"].update({"text": "I ordered 3 boxes", "message_id": 7})
    edit["edited_message"]["chat"] = _json("telegram/tgdocs_01_message_text_start.json")["message"]["chat"]
    post_webhook("telegram", json.dumps(edit).encode(), telegram_headers())
    process_inbound()

    # Then the ticket shows the new text, in both of its forms
    [message] = call("GET", "/api/tickets/1").body["messages"]
    assert (message["text"], message["full_text"]) == ("I ordered 3 boxes", "I ordered 3 boxes")
