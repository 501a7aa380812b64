"""Provider webhooks (HTTP API, unauthenticated: each provider's own signature is the check)."""

from __future__ import annotations

import base64
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello.app import sportello
from sportello.errors import NotFoundError
from sportello.intake.messaging import delivery_digest
from sportello.observability import correlated, lambda_entry
from sportello.providers.webhook import VerificationError, WebhookRequest, WebhookResponse

logger = Logger()


def _request(event: APIGatewayProxyEventV2) -> WebhookRequest:
    body = event.body or ""
    raw = base64.b64decode(body) if event.is_base64_encoded else body.encode()
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    scheme = headers.get("x-forwarded-proto", "https")
    query = f"?{event.raw_query_string}" if event.raw_query_string else ""
    url = f"{scheme}://{event.request_context.domain_name}{event.raw_path}{query}"
    return WebhookRequest(
        event.request_context.http.method, url, headers, event.query_string_parameters or {}, raw
    )


def _response(response: WebhookResponse) -> dict[str, Any]:
    return {
        "statusCode": response.status,
        "headers": {"Content-Type": response.content_type},
        "body": response.body,
    }


@lambda_entry(logger)
@event_source(data_class=APIGatewayProxyEventV2)
def handler(event: APIGatewayProxyEventV2, context: LambdaContext) -> dict[str, Any]:
    provider = (event.path_parameters or {}).get("provider") or event.raw_path.rstrip("/").rsplit("/", 1)[-1]
    request = _request(event)
    # The body's digest names the kept delivery (webhooks/<provider>/<digest>); the queue carries it on.
    with correlated(logger, delivery_digest(request.body)):
        try:
            return _response(sportello().webhooks.accept(provider, request))
        except VerificationError as error:
            logger.warning("refused a %s webhook: %s", provider, error)
            return _response(WebhookResponse(401, "unauthorized"))
        except NotFoundError as error:
            return _response(WebhookResponse(404, str(error)))
