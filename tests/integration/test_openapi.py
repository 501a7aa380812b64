"""The published OpenAPI document is the one the routes generate."""

from __future__ import annotations

import json

from agent_api.handler import openapi_document
from tests.conftest import PROJECT_ROOT


def test_openapi_document_is_current():
    generated = json.loads(openapi_document())
    published = json.loads((PROJECT_ROOT / "docs" / "openapi.json").read_text())

    assert generated == published, "run `make openapi` and commit docs/openapi.json"
    assert {
        "/api/tickets",
        "/api/tickets/{number}",
        "/api/tickets/{number}/messages",
        "/api/quarantine",
    } <= set(generated["paths"])
    assert "patch" in generated["paths"]["/api/tickets/{number}"]
