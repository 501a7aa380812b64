"""`make deploy`'s next steps read the account as it is (under moto): what is done shows as done."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from infra.next_steps import read_account

REGION = "eu-west-1"


def test_the_account_is_read_step_by_step() -> None:
    with mock_aws():
        # Given a deployed desk whose owner did some of the steps
        boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="acme.example")
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool = cognito.create_user_pool(PoolName="desk")["UserPool"]["Id"]
        cognito.create_group(UserPoolId=pool, GroupName="admins")
        cognito.admin_create_user(UserPoolId=pool, Username="ada@acme.example")
        cognito.admin_add_user_to_group(UserPoolId=pool, Username="ada@acme.example", GroupName="admins")
        secrets = boto3.client("secretsmanager", region_name=REGION)
        secrets.create_secret(Name="sportello/providers", SecretString=json.dumps({"telegram": {}}))
        topic = boto3.client("sns", region_name=REGION).create_topic(Name="alarms")["TopicArn"]
        outputs = {
            "MailDomain": "acme.example",
            "UserPoolId": pool,
            "ProviderSecretName": "sportello/providers",
            "AlarmTopicArn": topic,
        }

        # When the next steps read the account
        state = read_account(outputs, REGION)

    # Then each answer is the account's
    assert state.domain_verified is not None
    assert state.admins == 1
    assert state.providers_configured == ("telegram",)
    assert state.alarm_subscriptions == 0
