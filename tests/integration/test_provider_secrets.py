"""Provider credentials from Secrets Manager reach running functions without a redeploy."""

from __future__ import annotations

import json

import boto3

from sportello.adapters.provider_secrets import SecretsManagerStore


def test_credentials_are_read_from_the_secret_and_refreshed(cloud):
    client = boto3.client("secretsmanager")
    client.create_secret(Name="sportello-providers", SecretString="{}")
    store = SecretsManagerStore("sportello-providers", max_age_seconds=0)
    assert store.secrets_for("telegram").values == {}

    client.put_secret_value(
        SecretId="sportello-providers", SecretString=json.dumps({"telegram": {"bot_token": "1:x"}})
    )

    assert store.secrets_for("telegram").require("bot_token") == "1:x"
    assert store.secrets_for("slack").values == {}
