"""Public API (no login): the web form and the chat widget, called from customers' browsers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.api.errors import register_error_handlers
from sportello.api.public import router
from sportello.observability import lambda_entry

logger = Logger()
# The widget runs on the business's own website, whatever its origin; no cookies are involved.
app = APIGatewayHttpResolver(
    enable_validation=True, cors=CORSConfig(allow_origin="*", allow_headers=["Authorization"])
)
app.include_router(router, prefix="/public")
register_error_handlers(app)


@lambda_entry(logger, correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
