"""Domain errors to HTTP responses, in one place."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

# Not from intake.web, which would load the mail parsing into every API function at cold start.
from ..errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
)
from ..tickets.ports import UnsupportedChannelError

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidRequestError: 422,
    ForbiddenError: 403,
}


def _error(status: int, code: str, message: str) -> Response[dict[str, str]]:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body={"error": code, "message": message},
    )


def register_error_handlers(app: APIGatewayHttpResolver) -> None:
    @app.exception_handler(DomainError)
    def domain_error(error: DomainError) -> Response[dict[str, str]]:
        return _error(STATUS_BY_ERROR.get(type(error), 400), error.code, str(error))

    @app.exception_handler(RateLimitedError)
    def rate_limited(error: RateLimitedError) -> Response[dict[str, str]]:
        return _error(429, "rate_limited", str(error))

    @app.exception_handler(UnsupportedChannelError)
    def unsupported_channel(error: UnsupportedChannelError) -> Response[dict[str, str]]:
        return _error(422, "unsupported_channel", str(error))

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[dict[str, str]]:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem.get('loc', ()))}: {problem.get('msg', '')}"
            for problem in error.errors()
        )
        return _error(422, "invalid", problems or "the request is not valid")
