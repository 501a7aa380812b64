"""Agent API (HTTP API, JWT-authorised): every /api/* route of the agent SPA."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.api.access import resolve_for_members
from sportello.api.admin import router as admin_router
from sportello.api.errors import register_error_handlers
from sportello.api.routes import router
from sportello.api.sla import router as sla_router
from sportello.observability import lambda_entry

logger = Logger()
app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(router, prefix="/api")
app.include_router(admin_router, prefix="/api")
app.include_router(sla_router, prefix="/api")
register_error_handlers(app)


@lambda_entry(logger, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve_for_members(app, event, context)


def openapi_document() -> str:
    """The API's OpenAPI document, generated from the routes (`make openapi` writes docs/openapi.json)."""
    return app.get_openapi_json_schema(title="Sportello agent API", version="0.1.0")


if __name__ == "__main__":
    print(openapi_document())
