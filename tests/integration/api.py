"""Calling the agent API handler as API Gateway would, with Cognito-shaped JWT claims."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agent_api.handler import handler as api_handler
from infra.local.events import LambdaContext, http_api_event

AGENT_CLAIMS = {
    "sub": "agent-1",
    "email": "agent@desk.example.com",
    "cognito:groups": ["agents"],
    "name": "Anna Agent",
}
OTHER_AGENT_CLAIMS = {"sub": "agent-2", "email": "luca@desk.example.com", "cognito:groups": ["agents"]}


@dataclass
class ApiResponse:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
) -> ApiResponse:
    payload = json.dumps(body).encode() if body is not None else b""
    event = http_api_event(
        method,
        path,
        query=query,
        headers={"content-type": "application/json"},
        body=payload,
        claims=claims if claims is not None else AGENT_CLAIMS,
    )
    result = api_handler(event, LambdaContext("agent_api"))
    raw = result.get("body") or ""
    parsed = (
        json.loads(raw)
        if raw and result.get("headers", {}).get("Content-Type", "").startswith("application/json")
        else raw
    )
    return ApiResponse(result["statusCode"], parsed, result.get("headers", {}))
