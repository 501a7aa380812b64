"""The HMAC key that signs the reply+<n>.<hmac>@ addresses of our mail and the chat widget's session tokens.

A construct of its own rather than a part of `Data` or `Email`: the functions of three concerns sign or
verify with it (Email, AgentApi, PublicApi), and `share_with` is the only way a function gets it, so a
function receives the secret's name and the right to read it together, or neither. The public webhook
intake, which only verifies, keeps and queues, gets neither.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra.constructs.functions import SportelloFunction
from infra.constructs.nag import justify
from sportello.names import ENV_REPLY_TOKEN_SECRET_NAME

# The logical id the secret had when it was created by the former `Functions` construct. A new one would
# make CloudFormation create a second secret, a new key: the reply addresses in mail already sent would
# stop verifying (and the old secret, retained, would be orphaned).
SECRET_LOGICAL_ID = "FunctionsReplyTokenSecretAC6ED28D"  # noqa: S105 - a resource id, not a secret


class ReplyTokens(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            description="Sportello: HMAC key of the reply+<token>@ addresses",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=64, exclude_punctuation=True
            ),
            # Tokens in mail already sent must keep verifying, as long as the data is kept.
            removal_policy=RemovalPolicy.RETAIN,
        )
        resource = self.secret.node.default_child
        assert isinstance(resource, secretsmanager.CfnSecret)
        resource.override_logical_id(SECRET_LOGICAL_ID)
        justify(
            self.secret,
            "SMG4",
            "Rotating the key would stop the reply+ addresses in mail already sent from verifying",
        )

    def share_with(self, function: SportelloFunction) -> None:
        """The secret's name in the function's environment, and the right to read its value."""
        self.secret.grant_read(function.role)
        function.add_environment({ENV_REPLY_TOKEN_SECRET_NAME: self.secret.secret_name})
