"""The email channel: SES stores each mail before the function runs; the function's grants."""

from __future__ import annotations

from aws_cdk.assertions import Match, Template

from infra.constants import (
    EMAIL_INBOUND_FUNCTION,
    INBOUND_PREFIX,
    OUTPUT_ACTIVATE_RULE_SET,
    OUTPUT_DEAD_LETTER_QUEUE_URL,
)
from infra.constructs.email import INBOUND_MEMORY_MB
from tests.infra.template import (
    MAIL_DOMAIN,
    as_list,
    function,
    logical_id,
    only,
    render,
    statements_of_role,
)


def test_email_function_policy_is_least_privilege(template: Template) -> None:
    # Given the email function's own role, then its table access is itemised and scoped to the table
    _, resource = function(template, EMAIL_INBOUND_FUNCTION)
    role_id = resource["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = statements_of_role(template, {"Ref": role_id})
    table_id = logical_id(template, "AWS::DynamoDB::Table")
    dynamodb = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert dynamodb, "the email function cannot reach the table"
    for statement in dynamodb:
        actions = as_list(statement["Action"])
        assert "dynamodb:*" not in actions
        assert "dynamodb:Scan" not in actions
        resources = [render(r) for r in as_list(statement["Resource"])]
        assert "*" not in resources
        assert all(r.startswith(f"${{{table_id}.Arn}}") for r in resources), resources
    assert all(a != "*" and not a.endswith(":*") for s in statements for a in as_list(s["Action"]))
    s3_resources = [
        render(r)
        for s in statements
        if any(a.startswith("s3:") for a in as_list(s["Action"]))
        for r in as_list(s["Resource"])
    ]
    assert all(
        r.endswith(("/inbound/*", "/attachments/*", "/bodies/*")) or r.endswith(".Arn}") for r in s3_resources
    ), s3_resources


def test_email_function_may_send_only_as_the_support_address(template: Template) -> None:
    _, resource = function(template, EMAIL_INBOUND_FUNCTION)
    statements = statements_of_role(template, {"Ref": resource["Properties"]["Role"]["Fn::GetAtt"][0]})
    (send,) = [s for s in statements if "ses:SendRawEmail" in as_list(s["Action"])]
    assert set(as_list(send["Action"])) == {"ses:SendEmail", "ses:SendRawEmail"}
    assert send["Condition"] == {"StringEquals": {"ses:FromAddress": f"support@{MAIL_DOMAIN}"}}
    assert all(
        render(r).endswith((f":identity/{MAIL_DOMAIN}", f":identity/support@{MAIL_DOMAIN}"))
        for r in send["Resource"]
    )


def test_failed_inbound_mail_goes_to_the_dead_letter_queue(template: Template) -> None:
    queue_id = only(template.find_outputs(OUTPUT_DEAD_LETTER_QUEUE_URL))[1]["Value"]["Ref"]
    assert template.to_json()["Resources"][queue_id]["Type"] == "AWS::SQS::Queue"
    function_id, _ = function(template, EMAIL_INBOUND_FUNCTION)
    template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "FunctionName": {"Ref": function_id},
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [queue_id, "Arn"]}}},
        },
    )


def test_receipt_rule_stores_the_mail_before_invoking_the_function(template: Template) -> None:
    # Given the support rule, then S3 (inbound/) comes first and the asynchronous Lambda action second
    _, rule = only(template.find_resources("AWS::SES::ReceiptRule"))
    bucket_id, _ = only(template.find_resources("AWS::S3::Bucket", {"DeletionPolicy": "Retain"}))
    function_id, _ = function(template, EMAIL_INBOUND_FUNCTION)
    actions = rule["Properties"]["Rule"]["Actions"]
    assert [next(iter(action)) for action in actions] == ["S3Action", "LambdaAction"]
    assert actions[0]["S3Action"] == {"BucketName": {"Ref": bucket_id}, "ObjectKeyPrefix": INBOUND_PREFIX}
    assert actions[1]["LambdaAction"] == {
        "FunctionArn": {"Fn::GetAtt": [function_id, "Arn"]},
        "InvocationType": "Event",
    }


def test_receipt_rule_takes_the_support_address_and_the_domain_with_scanning(template: Template) -> None:
    template.has_resource_properties(
        "AWS::SES::ReceiptRule",
        {
            "RuleSetName": {"Ref": logical_id(template, "AWS::SES::ReceiptRuleSet")},
            "Rule": {
                "Recipients": [f"support@{MAIL_DOMAIN}", MAIL_DOMAIN],
                "ScanEnabled": True,
                "Enabled": True,
            },
        },
    )


def test_ses_may_put_inbound_mail_for_this_account_only(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "ses.amazonaws.com"},
                                "Action": "s3:PutObject",
                                "Condition": {
                                    "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
                                },
                            }
                        )
                    ]
                )
            }
        },
    )


def test_rule_set_activation_command_is_an_output(template: Template) -> None:
    outputs = template.find_outputs(OUTPUT_ACTIVATE_RULE_SET)
    command = render(only(outputs)[1]["Value"])
    rule_set = logical_id(template, "AWS::SES::ReceiptRuleSet")
    assert command.startswith(f"aws ses set-active-receipt-rule-set --rule-set-name ${{{rule_set}}}")


def test_the_inbound_function_has_the_memory_for_the_largest_mail_ses_accepts(template: Template) -> None:
    # Given the email function, then its memory is what bench/mail_memory.py found a 40 MB mail needs,
    # with room to spare (not the 512 MB default it ran out of)
    _, resource = function(template, EMAIL_INBOUND_FUNCTION)
    assert resource["Properties"]["MemorySize"] == INBOUND_MEMORY_MB >= 1024
