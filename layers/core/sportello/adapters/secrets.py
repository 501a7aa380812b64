"""Secrets from AWS Secrets Manager, cached by Powertools for the life of the container."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters


def secret_value(name: str) -> str:
    return str(parameters.get_secret(name, max_age=3600))
