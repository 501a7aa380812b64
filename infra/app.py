"""CDK entry point: `cdk synth` / `cdk deploy` from the repository root (see cdk.json)."""

from __future__ import annotations

import os

import aws_cdk as cdk

from infra.constants import STACK_NAME
from infra.stack import SportelloStack


def environment() -> cdk.Environment | None:
    """The CLI's account and region when it has credentials; otherwise environment-agnostic.

    Without credentials the CLI still sets CDK_DEFAULT_REGION (to a guess, us-east-1), so the region alone
    does not pin the stack: offline synths stay agnostic.
    """
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    if not (account and region):
        return None
    return cdk.Environment(account=account, region=region)


def main() -> None:
    app = cdk.App()
    SportelloStack(app, STACK_NAME, env=environment())
    app.synth()


if __name__ == "__main__":
    main()
