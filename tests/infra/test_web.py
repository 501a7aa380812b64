"""The agent app: a private bucket behind CloudFront, and the runtime configuration it is deployed with."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match, Template

from infra.constants import (
    WEB_CONFIG_FILE,
)
from infra.constructs.web import Web
from tests.infra.template import (
    SKIP_BUNDLING,
    logical_id,
    only,
    render,
)


def test_cloudfront_reads_the_private_bucket_through_origin_access_control(template: Template) -> None:
    _, distribution = only(template.find_resources("AWS::CloudFront::Distribution"))
    config = distribution["Properties"]["DistributionConfig"]
    oac = logical_id(template, "AWS::CloudFront::OriginAccessControl")
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": [oac, "Id"]}
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "https-only"
    assert config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"] == {
        "Ref": logical_id(template, "AWS::CloudFront::ResponseHeadersPolicy")
    }


def test_cloudfront_falls_back_to_index_html_for_spa_routes(template: Template) -> None:
    _, distribution = only(template.find_resources("AWS::CloudFront::Distribution"))
    responses = distribution["Properties"]["DistributionConfig"]["CustomErrorResponses"]
    assert {(r["ErrorCode"], r["ResponseCode"], r["ResponsePagePath"]) for r in responses} == {
        (403, 200, "/index.html"),
        (404, 200, "/index.html"),
    }


def test_site_config_points_the_spa_at_this_deployment(template: Template, outdir: Path) -> None:
    # Given the generated config.json, then every key is filled from this stack's resources
    _, deployment = only(template.find_resources("Custom::CDKBucketDeployment"))
    properties = deployment["Properties"]
    # The generated source comes last (it overrides a config.json in web/dist) and carries the markers
    # CDK replaces with deploy-time values.
    key, markers = properties["SourceObjectKeys"][-1], properties["SourceMarkers"][-1]
    text = (outdir / f"asset.{key.removesuffix('.zip')}" / WEB_CONFIG_FILE).read_text()
    for marker, value in markers.items():
        text = text.replace(marker, render(value))
    config = json.loads(text)
    assert set(config) == {"auth", "apiBase", "cognitoDomain", "clientId", "redirectUri"}
    assert config["auth"] == "cognito"
    api = logical_id(template, "AWS::ApiGatewayV2::Api")
    distribution = logical_id(template, "AWS::CloudFront::Distribution")
    assert config["apiBase"] == f"${{{api}.ApiEndpoint}}"
    assert config["clientId"] == f"${{{logical_id(template, 'AWS::Cognito::UserPoolClient')}}}"
    assert config["redirectUri"] == f"https://${{{distribution}.DomainName}}/"
    domain = logical_id(template, "AWS::Cognito::UserPoolDomain")
    assert config["cognitoDomain"] == f"https://${{{domain}}}.auth.${{AWS::Region}}.amazoncognito.com"


def test_missing_web_build_is_a_warning_not_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("infra.constructs.web.WEB_DIST_DIR", tmp_path / "dist")
    app = cdk.App(outdir=str(tmp_path / "out"), context=SKIP_BUNDLING)
    stack = cdk.Stack(app, "WebOnly")
    Web(stack, "Web").deploy_site({"auth": "cognito"})
    Annotations.from_stack(stack).has_warning(
        "/WebOnly/Web", Match.string_like_regexp("web/dist does not exist")
    )
    _, deployment = only(Template.from_stack(stack).find_resources("Custom::CDKBucketDeployment"))
    assert len(deployment["Properties"]["SourceObjectKeys"]) == 1  # config.json only


def test_every_page_gets_csp_hsts_and_is_not_framable(template: Template) -> None:
    # Given the one response headers policy, on the one behaviour that serves the agent app, the contact
    # form, the widget demo and widget.js (a <script> on a customer's site is not bound by these headers)
    _, policy = only(template.find_resources("AWS::CloudFront::ResponseHeadersPolicy"))
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = render(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(directive.split(" ", 1) for directive in csp.split("; "))
    # Then no page may be framed, scripts come only from the site itself, and the API is reachable
    assert directives["frame-ancestors"] == "'none'"
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert directives["script-src"] == "'self'"
    assert "https://*.execute-api." in directives["connect-src"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 365 * 24 * 3600
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["ContentTypeOptions"]["Override"] is True
