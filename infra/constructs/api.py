"""The HTTP API and every route, with how each is authenticated: agent routes behind a Cognito JWT
authorizer; the public ones (webhooks, web form and chat) authenticate callers in their handlers."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.constants import API_PREFIX, PUBLIC_ROUTE, WEBHOOKS_ROUTE
from infra.constructs.functions import LOG_RETENTION
from infra.constructs.nag import justify

ANY = (apigwv2.HttpMethod.ANY,)
# Every route of the $default stage, the public ones included: a flood (or a provider's retry storm) is
# answered with 429 before it reaches a function. Generous for an SMB desk; providers retry on 429.
THROTTLE_RATE_LIMIT = 100  # requests per second, sustained
THROTTLE_BURST_LIMIT = 200
# The HTTP API gives up on an integration after 30 s: a function behind it has no use for more time.
INTEGRATION_TIMEOUT = Duration.seconds(29)
# One JSON line per request in the access log: who called what, the answer, and why it failed if it did.
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        user_pool: cognito.IUserPool,
        client: cognito.IUserPoolClient,
        agent_api: lambda_.IFunction,
        public_api: lambda_.IFunction,
        webhooks: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        region = Stack.of(self).region
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "Cognito",
            jwt_issuer=f"https://cognito-idp.{region}.amazonaws.com/{user_pool.user_pool_id}",
            jwt_audience=[client.user_pool_client_id],
            identity_source=["$request.header.Authorization"],
        )
        self.http_api = apigwv2.HttpApi(
            self,
            "HttpApi",
            api_name=f"{Stack.of(self).stack_name}-api",
            description="Sportello: agent API, webhooks and public endpoints",
            # Routes are authenticated unless added with add_public_route.
            default_authorizer=self.authorizer,
            cors_preflight=apigwv2.CorsPreflightOptions(
                # The chat widget and web form run on the business's own website, whatever its origin;
                # every route authenticates with a header (bearer token, signature), never a cookie.
                allow_origins=["*"],
                allow_methods=[apigwv2.CorsHttpMethod.ANY],
                allow_headers=["Authorization", "Content-Type"],
                max_age=Duration.hours(1),
            ),
        )
        self._configure_default_stage()
        self.add_agent_route(f"{API_PREFIX}/{{proxy+}}", agent_api)
        # Providers cannot present a Cognito token: the handler verifies each provider's signature.
        self.add_public_route(WEBHOOKS_ROUTE, webhooks)
        # Visitors of the business's own website: rate limits and signed chat sessions protect it.
        self.add_public_route(PUBLIC_ROUTE, public_api)

    @property
    def url(self) -> str:
        """The API's base URL, without a trailing slash (the $default stage has no path)."""
        return self.http_api.api_endpoint

    def _configure_default_stage(self) -> None:
        stage = self.http_api.default_stage
        assert stage is not None  # created by default
        # HttpApi has no throttling or access-log property for the stage it creates: set them on the
        # CloudFormation stage.
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigwv2.CfnStage)
        cfn_stage.default_route_settings = apigwv2.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=THROTTLE_RATE_LIMIT, throttling_burst_limit=THROTTLE_BURST_LIMIT
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=self.access_logs.log_group_arn,
            format=json.dumps(ACCESS_LOG_FORMAT, separators=(",", ":")),
        )

    def add_agent_route(
        self, path: str, handler: lambda_.IFunction, methods: Sequence[apigwv2.HttpMethod] = ANY
    ) -> None:
        """A route for signed-in agents: the JWT authorizer checks the Cognito token first."""
        self._add_route(path, handler, methods, self.authorizer)

    def add_public_route(
        self, path: str, handler: lambda_.IFunction, methods: Sequence[apigwv2.HttpMethod] = ANY
    ) -> None:
        """A route without a token (`/webhooks/{provider}`, `/public/*`): the handler must authenticate
        the caller itself (provider signatures, rate limits)."""
        for route in self._add_route(path, handler, methods, apigwv2.HttpNoneAuthorizer()):
            justify(
                route,
                "APIG4",
                "Public by design (provider webhooks, the web form and chat widget): the handler "
                "authenticates each caller (provider signatures, signed chat sessions, rate limits)",
            )

    def _add_route(
        self,
        path: str,
        handler: lambda_.IFunction,
        methods: Sequence[apigwv2.HttpMethod],
        authorizer: apigwv2.IHttpRouteAuthorizer,
    ) -> list[apigwv2.HttpRoute]:
        integration = integrations.HttpLambdaIntegration(
            re.sub(r"[^A-Za-z0-9]", "", path.title()) + "Integration",
            handler,
            payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
        )
        return self.http_api.add_routes(
            path=path, methods=list(methods), integration=integration, authorizer=authorizer
        )
