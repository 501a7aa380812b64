"""Public routes (no login): the web form and the chat widget. Abuse is met with rate limits."""

from __future__ import annotations

import base64
from typing import Any, cast

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel, Field

from ..app import sportello
from ..errors import ForbiddenError
from ..intake.web import Upload, WebForm
from ..tickets.model import Message
from .forms import parse_form

router = Router()


def _event() -> APIGatewayProxyEventV2:
    return cast(APIGatewayProxyEventV2, router.current_event)


def _source_ip() -> str:
    return _event().request_context.http.source_ip or "unknown"


def _chat_token() -> str:
    header = _event().headers.get("authorization") or ""
    if not header.lower().startswith("bearer "):
        raise ForbiddenError("start a chat session first")
    return header[7:]


def _chat_message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "from": "visitor" if message.author_type.value == "customer" else "agent",
        "author_name": message.author_name,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }


@router.post("/form")
def submit_form() -> Response[dict[str, Any]]:
    event = _event()
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode()
    form = parse_form(event.headers.get("content-type", ""), raw)
    ticket = sportello().web.submit_form(
        WebForm(
            name=form.fields.get("name", ""),
            email=form.fields.get("email", ""),
            subject=form.fields.get("subject", ""),
            message=form.fields.get("message", ""),
            honeypot=form.fields.get("website", ""),
            uploads=tuple(Upload(name, kind, content) for name, kind, content in form.files),
        ),
        _source_ip(),
    )
    reference = {"ticket": ticket.number} if ticket else {}
    return Response(
        status_code=201, content_type="application/json", body={"status": "received", **reference}
    )


class ChatMessageBody(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    name: str = Field(default="", max_length=100)


@router.post("/chat/sessions")
def start_chat() -> Response[dict[str, Any]]:
    session = sportello().web.start_chat(_source_ip())
    body = {"token": session.token, "visitor_id": session.visitor_id, "expires_at": session.expires_at}
    return Response(status_code=201, content_type="application/json", body=body)


@router.post("/chat/messages")
def post_chat_message(message: ChatMessageBody) -> Response[dict[str, Any]]:
    sent = sportello().web.post_chat(_chat_token(), message.text, message.name, _source_ip())
    return Response(status_code=201, content_type="application/json", body=_chat_message(sent))


@router.get("/chat/messages")
def chat_messages() -> dict[str, Any]:
    return {"messages": [_chat_message(m) for m in sportello().web.chat_history(_chat_token())]}
