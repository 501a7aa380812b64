"""A fake provider's routes served over real HTTP on 127.0.0.1 (port 0), in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import make_server

from infra.local.fake_providers import FakeProviderServer, FakeRoute


class ServedFake:
    def __init__(self, routes: Iterable[FakeRoute]) -> None:
        self.app = FakeProviderServer(routes)
        self._server = make_server("127.0.0.1", 0, self.app)
        self.base_url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> ServedFake:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._thread.join()

    def recorded(self, action: str | None = None) -> list[dict[str, Any]]:
        return [entry for entry in self.app.recorder.requests if action in (None, entry["action"])]

    def forget(self) -> None:
        self.app.recorder.requests.clear()
