"""The local HTTP gateway: API Gateway for /api (with the JWT authorizer), local tools, and the SPA."""

from __future__ import annotations

import base64
import json
import mimetypes
import threading
from collections.abc import Callable, Iterable
from email import message_from_string, policy
from pathlib import Path
from typing import Any

import boto3
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from public_api.handler import handler as public_api_handler
from webhooks.handler import handler as webhooks_handler
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from agent_api.handler import handler as agent_api_handler
from infra.constants import (
    AGENT_API_FUNCTION,
    API_PREFIX,
    PUBLIC_API_FUNCTION,
    PUBLIC_PATH,
    WEB_CONFIG_FILE,
    WEB_INDEX,
    WEBHOOKS_FUNCTION,
    WEBHOOKS_PATH,
)
from sportello.config import settings

from .auth import TokenIssuer, find_seeded
from .events import LOCAL_ACCOUNT, LambdaContext, http_api_event
from .mailroom import Mailroom

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class Gateway:
    def __init__(
        self,
        tokens: TokenIssuer,
        mailroom: Mailroom,
        web_dist: Path,
        lock: threading.RLock,
        on_change: Callable[[], None],
        region: str,
    ) -> None:
        self._tokens = tokens
        self._mailroom = mailroom
        self._web_dist = web_dist
        self._lock = lock
        self._on_change = on_change
        self._region = region
        self._routes = Map(
            [
                Rule("/local/health", endpoint="health", methods=["GET"]),
                Rule("/local/token", endpoint="token", methods=["POST"]),
                Rule("/local/outbox", endpoint="outbox", methods=["GET"]),
                Rule("/local/mail", endpoint="mail", methods=["POST"]),
                Rule("/local/executions", endpoint="executions", methods=["GET"]),
                Rule("/local/notifications", endpoint="notifications", methods=["GET"]),
                Rule(f"/{WEB_CONFIG_FILE}", endpoint="config", methods=["GET"]),
            ]
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        if request.path.startswith(f"{API_PREFIX}/"):
            return self._lambda_proxy(request, agent_api_handler, AGENT_API_FUNCTION, authorize=True)
        if request.path.startswith(f"{PUBLIC_PATH}/"):
            return self._lambda_proxy(request, public_api_handler, PUBLIC_API_FUNCTION, authorize=False)
        if request.path.startswith(f"{WEBHOOKS_PATH}/"):
            provider = request.path.removeprefix(f"{WEBHOOKS_PATH}/").strip("/")
            return self._lambda_proxy(
                request, webhooks_handler, WEBHOOKS_FUNCTION, authorize=False, provider=provider
            )
        adapter = self._routes.bind_to_environ(request.environ)
        try:
            endpoint, _ = adapter.match()
        except NotFound:
            return self._static(request.path)
        except HTTPException as error:
            return _json({"message": error.description}, error.code or 400)
        view: Callable[[Request], Response] = getattr(self, f"_{endpoint}")
        return view(request)

    def _lambda_proxy(
        self, request: Request, handler: Handler, name: str, *, authorize: bool, provider: str | None = None
    ) -> Response:
        claims = None
        if authorize:
            header = request.headers.get("Authorization", "")
            claims = self._tokens.verify(header.removeprefix("Bearer ").strip()) if header else None
            if claims is None:
                # What API Gateway's JWT authorizer answers; the handler never runs.
                return _json({"message": "Unauthorized"}, 401)
        event = http_api_event(
            request.method,
            request.path,
            query=dict(request.args),
            headers=dict(request.headers),
            body=request.get_data(),
            claims=claims,
            source_ip=request.remote_addr or "127.0.0.1",
            domain_name=request.host,
        )
        if provider is not None:
            event["pathParameters"] = {"provider": provider}
        with self._lock:
            result = handler(event, LambdaContext(name))
        if request.method != "GET":
            self._on_change()
        body = result.get("body") or ""
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        response = Response(payload, status=result.get("statusCode", 200))
        for key, value in (result.get("headers") or {}).items():
            response.headers[key] = value
        for cookie in result.get("cookies") or []:
            response.headers.add("Set-Cookie", cookie)
        return response

    def _health(self, request: Request) -> Response:
        return _json({"status": "ok"})

    def _config(self, request: Request) -> Response:
        return _json({"auth": "local", "apiBase": ""})

    def _token(self, request: Request) -> Response:
        body = request.get_json(silent=True) or {}
        agent = find_seeded(str(body.get("email", "")))
        if agent is None:
            return _json({"error": "unknown_agent", "message": "no seeded agent has that email"}, 403)
        return _json(
            {
                "token": self._tokens.issue(agent),
                "agent": {
                    "id": agent.subject,
                    "email": agent.email,
                    "name": agent.name,
                    "groups": agent.groups,
                },
            }
        )

    def _outbox(self, request: Request) -> Response:
        backend = ses_backends[LOCAL_ACCOUNT][self._region]
        with self._lock:
            sent = [m for m in backend.sent_messages if hasattr(m, "raw_data")]
        items = []
        for message in sent:
            parsed = message_from_string(message.raw_data, policy=policy.default)
            body = parsed.get_body(preferencelist=("plain", "html"))
            items.append(
                {
                    "id": message.id,
                    "source": message.source,
                    "destinations": list(message.destinations),
                    "headers": {key: str(value) for key, value in parsed.items()},
                    "subject": str(parsed.get("Subject", "")).strip(),
                    "text": body.get_content() if body is not None else "",
                    "raw": message.raw_data,
                }
            )
        return _json({"messages": items})

    def _executions(self, request: Request) -> Response:
        """The routing workflow's executions, newest first, as Step Functions' console lists them."""
        sfn = boto3.client("stepfunctions")
        arn = settings().routing_state_machine_arn
        listed = sfn.list_executions(stateMachineArn=arn, maxResults=100)["executions"] if arn else []
        items = []
        for execution in sorted(listed, key=lambda e: e["startDate"], reverse=True):
            described = sfn.describe_execution(executionArn=execution["executionArn"])
            items.append(
                {
                    "name": described["name"],
                    "status": described["status"],
                    "started": described["startDate"].isoformat(),
                    "stopped": described["stopDate"].isoformat() if described.get("stopDate") else None,
                    "input": json.loads(described.get("input") or "null"),
                    "output": json.loads(described.get("output") or "null"),
                    "error": described.get("error"),
                    "cause": described.get("cause"),
                }
            )
        return _json({"executions": items})

    def _notifications(self, request: Request) -> Response:
        """What was published to the desk's notification topic (email subscribers get these in AWS)."""
        backend = sns_backends[LOCAL_ACCOUNT][self._region]
        arn = settings().notification_topic_arn
        with self._lock:
            topic = backend.topics.get(arn) if arn else None
            sent = list(topic.sent_notifications) if topic is not None else []
        items = [
            {
                "id": message_id,
                "subject": subject,
                "message": message,
                "attributes": {name: value.get("Value") for name, value in (attributes or {}).items()},
            }
            for message_id, message, subject, attributes, _group in reversed(sent)
        ]
        return _json({"notifications": items})

    def _mail(self, request: Request) -> Response:
        """Injects a raw mail as the SMTP listener would (handy for scripts without an SMTP client)."""
        report = self._mailroom.receive(
            request.get_data(),
            request.args.get("from", "local@sportello.local"),
            request.args.getlist("to") or ["support@sportello.local"],
        )
        return _json(report, 202)

    def _static(self, path: str) -> Response:
        root = self._web_dist.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            candidate = root / WEB_INDEX  # the SPA routes on the client side
        if not candidate.is_file():
            return Response(
                "The agent app is not built yet: run `make web` (make dev does it).",
                status=503,
                content_type="text/plain",
            )
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        response = Response(candidate.read_bytes(), content_type=content_type)
        if candidate.name == WEB_INDEX:
            response.headers["Cache-Control"] = "no-cache"
        return response
