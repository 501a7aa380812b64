"""The web form and the chat widget's API, through the public handler."""

from __future__ import annotations

import json
from typing import Any

from public_api.handler import handler as public_handler

from infra.local.events import LambdaContext, http_api_event
from sportello.app import sportello

from .api import call


def _public(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, ip: str = "203.0.113.7"
) -> Any:
    event = http_api_event(
        method, path, headers=headers or {"content-type": "application/json"}, body=body, source_ip=ip
    )
    response = public_handler(event, LambdaContext("public_api"))
    payload = json.loads(response["body"]) if response.get("body") else None
    return response["statusCode"], payload


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "sportello-test-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    for filename, kind, content in files:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="{filename}"\r\n'
        parts.append(f"{head}Content-Type: {kind}\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


FORM = {
    "name": "Anna Verdi",
    "email": "anna@example.it",
    "subject": "Preventivo",
    "message": "Buongiorno, vorrei un preventivo per 10 licenze.",
}


def test_web_form_opens_a_ticket_with_attachments_and_acknowledges_by_email(cloud):
    body, content_type = _multipart(FORM, [("offerta.pdf", "application/pdf", b"%PDF-1.4 test")])

    status, payload = _public("POST", "/public/form", body, {"content-type": content_type})

    assert status == 201
    history = sportello().tickets.history(payload["ticket"])
    assert history.ticket.channel.value == "web"
    assert history.ticket.requester.email == "anna@example.it"
    assert history.ticket.language == "it"
    assert [a.filename for a in history.messages[0].attachments] == ["offerta.pdf"]
    cloud.desk.settle()  # the acknowledgement is the routing workflow's first trigger
    assert "[#1]" in cloud.sent_mails()[0]["Subject"]


def test_agent_answer_to_a_web_form_goes_by_email(cloud):
    body, content_type = _multipart(FORM, [])
    _public("POST", "/public/form", body, {"content-type": content_type})

    call("POST", "/api/tickets/1/messages", {"body": "Certo, ecco il preventivo.", "public": True})

    assert cloud.sent_mails()[-1]["To"].addresses[0].addr_spec == "anna@example.it"


def test_honeypot_submission_creates_nothing(cloud):
    body, content_type = _multipart({**FORM, "website": "http://spam.example"}, [])

    status, payload = _public("POST", "/public/form", body, {"content-type": content_type})

    assert status == 201
    assert "ticket" not in payload
    assert call("GET", "/api/tickets", query={"view": "unassigned"}).body["items"] == []


def test_form_is_rate_limited_per_address(cloud):
    body, content_type = _multipart(FORM, [])
    statuses = [_public("POST", "/public/form", body, {"content-type": content_type})[0] for _ in range(7)]

    assert statuses[:5] == [201] * 5
    assert statuses[5:] == [429, 429]
    assert _public("POST", "/public/form", body, {"content-type": content_type}, ip="198.51.100.9")[0] == 201


def test_form_without_email_is_a_clear_error(cloud):
    body, content_type = _multipart({**FORM, "email": ""}, [])

    status, payload = _public("POST", "/public/form", body, {"content-type": content_type})

    assert status == 422
    assert "email" in payload["message"]


def test_form_with_a_crlf_laden_or_smtputf8_address_is_refused_before_anything_is_written(cloud):
    for address in ("anna@example.it\r\nBcc: all@example.net", "änna@example.it", "anna@@example.it"):
        body, content_type = _multipart({**FORM, "email": address}, [])

        status, _ = _public("POST", "/public/form", body, {"content-type": content_type})

        assert status == 422, address
    assert call("GET", "/api/tickets", query={"view": "unassigned"}).body["items"] == []
    assert cloud.sent_mails() == []


def test_form_with_an_internationalised_domain_is_acknowledged_at_its_punycode_form(cloud):
    body, content_type = _multipart({**FORM, "email": "anna@esempiò.it"}, [])

    status, _ = _public("POST", "/public/form", body, {"content-type": content_type})
    cloud.desk.settle()
    call("POST", "/api/tickets/1/messages", {"body": "Certo, ecco il preventivo.", "public": True})

    assert status == 201
    assert [mail["To"].addresses[0].addr_spec for mail in cloud.sent_mails()] == [
        "anna@xn--esempi-8wa.it"
    ] * 2


def test_form_under_a_known_customers_address_is_tagged_and_not_acknowledged(cloud):
    body, content_type = _multipart(FORM, [])
    _public("POST", "/public/form", body, {"content-type": content_type})
    forged, content_type = _multipart({**FORM, "subject": "Change my bank details"}, [])

    status, payload = _public(
        "POST", "/public/form", forged, {"content-type": content_type}, ip="198.51.100.9"
    )

    assert status == 201
    assert sportello().tickets.get(payload["ticket"]).tags == ["unverified-sender"]
    cloud.desk.settle()
    assert len(cloud.sent_mails()) == 1, "only the first form was acknowledged"


def test_chat_conversation_round_trip(cloud):
    status, session = _public("POST", "/public/chat/sessions")
    assert status == 201
    auth = {"content-type": "application/json", "authorization": f"Bearer {session['token']}"}

    _public(
        "POST",
        "/public/chat/messages",
        json.dumps({"text": "Hello, is anyone there?", "name": "Zoe"}).encode(),
        auth,
    )
    _public("POST", "/public/chat/messages", json.dumps({"text": "I need help with my order"}).encode(), auth)
    call("POST", "/api/tickets/1/messages", {"body": "Hi Zoe, how can I help?", "public": True})
    call("POST", "/api/tickets/1/messages", {"body": "VIP customer", "public": False})

    status, history = _public("GET", "/public/chat/messages", headers=auth)
    assert status == 200
    assert [(m["from"], m["text"]) for m in history["messages"]] == [
        ("visitor", "Hello, is anyone there?"),
        ("visitor", "I need help with my order"),
        ("agent", "Hi Zoe, how can I help?"),
    ]
    assert sportello().tickets.history(1).ticket.channel.value == "chat"


def test_chat_with_a_forged_token_is_refused(cloud):
    _, session = _public("POST", "/public/chat/sessions")
    forged = session["token"][:-2] + "xx"
    auth = {"content-type": "application/json", "authorization": f"Bearer {forged}"}

    status, _ = _public("POST", "/public/chat/messages", json.dumps({"text": "hi"}).encode(), auth)

    assert status == 403
