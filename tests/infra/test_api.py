"""The HTTP API and agent sign-in: which routes need a Cognito token, which authenticate in the handler."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from infra.constants import (
    AGENT_API_FUNCTION,
    API_PREFIX,
    OUTPUT_WEBHOOK_BASE_URL,
    WEBHOOKS_FUNCTION,
    WEBHOOKS_ROUTE,
)
from sportello.names import (
    ADMINS_GROUP,
    AGENTS_GROUP,
)
from tests.infra.template import (
    function,
    logical_id,
    only,
    render,
)


def test_webhooks_route_is_public_while_agent_routes_keep_the_jwt(template: Template) -> None:
    routes = {
        route["Properties"]["RouteKey"]: route["Properties"]
        for route in template.find_resources("AWS::ApiGatewayV2::Route").values()
    }
    webhook = routes[f"ANY {WEBHOOKS_ROUTE}"]
    assert webhook["AuthorizationType"] == "NONE"
    assert "AuthorizerId" not in webhook
    authorizer_id = logical_id(template, "AWS::ApiGatewayV2::Authorizer")
    agent_routes = [p for key, p in routes.items() if key.split(" ", 1)[1].startswith(f"{API_PREFIX}/")]
    assert agent_routes
    for properties in agent_routes:
        assert properties["AuthorizationType"] == "JWT"
        assert properties["AuthorizerId"] == {"Ref": authorizer_id}
    # And the public route reaches the webhooks function, which API Gateway may invoke
    integration_id = render(webhook["Target"]).removeprefix("integrations/${").removesuffix("}")
    integration = template.to_json()["Resources"][integration_id]["Properties"]
    webhooks_id, _ = function(template, WEBHOOKS_FUNCTION)
    assert integration["IntegrationUri"] == {"Fn::GetAtt": [webhooks_id, "Arn"]}
    assert integration["PayloadFormatVersion"] == "2.0"
    permissions = template.find_resources(
        "AWS::Lambda::Permission",
        {
            "Properties": {
                "FunctionName": {"Fn::GetAtt": [webhooks_id, "Arn"]},
                "Principal": "apigateway.amazonaws.com",
            }
        },
    )
    assert [
        render(p["Properties"]["SourceArn"]).endswith("/*/*/webhooks/{provider}")
        for p in permissions.values()
    ] == [True]


def test_default_stage_is_throttled(template: Template) -> None:
    _, stage = only(template.find_resources("AWS::ApiGatewayV2::Stage"))
    settings = stage["Properties"]["DefaultRouteSettings"]
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]


def test_webhook_base_url_is_an_output(template: Template) -> None:
    value = render(only(template.find_outputs(OUTPUT_WEBHOOK_BASE_URL))[1]["Value"])
    assert value == f"${{{logical_id(template, 'AWS::ApiGatewayV2::Api')}.ApiEndpoint}}/webhooks/"


def test_user_pool_is_invite_only_with_admin_and_agent_groups(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Cognito::UserPool",
        {"AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True}, "UsernameAttributes": ["email"]},
    )
    groups = template.find_resources("AWS::Cognito::UserPoolGroup")
    assert {group["Properties"]["GroupName"] for group in groups.values()} == {ADMINS_GROUP, AGENTS_GROUP}


def test_spa_client_uses_the_code_grant_without_secret_back_to_cloudfront(template: Template) -> None:
    _, client = only(template.find_resources("AWS::Cognito::UserPoolClient"))
    properties = client["Properties"]
    distribution = logical_id(template, "AWS::CloudFront::Distribution")
    assert properties["GenerateSecret"] is False
    assert properties["AllowedOAuthFlows"] == ["code"]
    assert set(properties["AllowedOAuthScopes"]) == {"openid", "email", "profile"}
    assert render(properties["CallbackURLs"]) == [f"https://${{{distribution}.DomainName}}/"]
    assert render(properties["LogoutURLs"]) == [f"https://${{{distribution}.DomainName}}/"]


def test_agent_route_requires_a_cognito_jwt_for_the_spa_client(template: Template) -> None:
    # Given the agent route, then it uses the JWT authorizer whose issuer is the user pool
    _, route = only(
        template.find_resources("AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": "ANY /api/{proxy+}"}})
    )
    authorizer_id, authorizer = only(template.find_resources("AWS::ApiGatewayV2::Authorizer"))
    assert route["Properties"]["AuthorizationType"] == "JWT"
    assert route["Properties"]["AuthorizerId"] == {"Ref": authorizer_id}
    pool = logical_id(template, "AWS::Cognito::UserPool")
    client = logical_id(template, "AWS::Cognito::UserPoolClient")
    jwt = authorizer["Properties"]["JwtConfiguration"]
    assert render(jwt["Issuer"]) == f"https://cognito-idp.${{AWS::Region}}.amazonaws.com/${{{pool}}}"
    assert jwt["Audience"] == [{"Ref": client}]
    assert authorizer["Properties"]["IdentitySource"] == ["$request.header.Authorization"]


def test_agent_route_invokes_agent_api_with_payload_2(template: Template) -> None:
    function_id, _ = function(template, AGENT_API_FUNCTION)
    template.has_resource_properties(
        "AWS::ApiGatewayV2::Integration",
        {
            "IntegrationType": "AWS_PROXY",
            "PayloadFormatVersion": "2.0",
            "IntegrationUri": {"Fn::GetAtt": [function_id, "Arn"]},
        },
    )


def test_cors_allows_any_origin_with_header_authentication_only(template: Template) -> None:
    # The chat widget runs on the business's own site; no route relies on cookies.
    _, api = only(template.find_resources("AWS::ApiGatewayV2::Api"))
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["AllowOrigins"] == ["*"]
    assert set(cors["AllowHeaders"]) == {"Authorization", "Content-Type"}
    assert not cors.get("AllowCredentials")


def test_public_api_route_has_no_authorizer_and_its_function_is_least_privilege(template):
    routes = template.find_resources(
        "AWS::ApiGatewayV2::Route", {"Properties": {"RouteKey": "ANY /public/{proxy+}"}}
    )
    assert len(routes) == 1
    [route] = routes.values()
    assert route["Properties"].get("AuthorizationType") == "NONE"
    functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Description": Match.string_like_regexp("public_api")}}
    )
    assert len(functions) == 1
