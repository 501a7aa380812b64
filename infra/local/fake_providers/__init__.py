"""The fake provider server of the local cloud: each provider's API, checked and recorded.

Each provider module exposes `ROUTES`: (method, werkzeug rule, view). A view checks the request's
shape as the real API would (a wrong one gets the provider's kind of 400) and records what it got;
`GET /__fake__/requests` lists every recorded request, for tests and for a developer's eye.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response


@dataclass
class Recorder:
    """What the fake providers received, in order."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, provider: str, action: str, request: Request, payload: Any) -> dict[str, Any]:
        entry = {
            "provider": provider,
            "action": action,
            "method": request.method,
            "path": request.path,
            "payload": payload,
            "seq": 0,
        }
        with self._lock:
            entry["seq"] = len(self.requests) + 1
            self.requests.append(entry)
        return entry


View = Callable[[Request, Recorder, Mapping[str, Any]], Response]


@dataclass(frozen=True)
class FakeRoute:
    method: str
    rule: str
    view: View


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class FakeProviderServer:
    def __init__(self, routes: Iterable[FakeRoute], recorder: Recorder | None = None) -> None:
        self.recorder = recorder or Recorder()
        self._views: dict[str, View] = {}
        rules = [Rule("/__fake__/requests", endpoint="__requests__", methods=["GET"])]
        for index, route in enumerate(routes):
            endpoint = f"route{index}"
            self._views[endpoint] = route.view
            rules.append(Rule(route.rule, endpoint=endpoint, methods=[route.method]))
        self._map = Map(rules)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        try:
            endpoint, arguments = self._map.bind_to_environ(environ).match()
        except HTTPException as error:
            response: Response = json_response({"error": error.description}, error.code or 404)
        else:
            if endpoint == "__requests__":
                response = json_response({"requests": self.recorder.requests})
            else:
                response = self._views[endpoint](request, self.recorder, arguments)
        return response(environ, start_response)
