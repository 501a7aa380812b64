"""Agent sign-in: a Cognito user pool (no self sign-up), its groups, the SPA client and the hosted UI."""

from __future__ import annotations

from aws_cdk import Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.constants import SERVICE_NAME
from infra.constructs.nag import justify
from sportello.names import ADMINS_GROUP, AGENTS_GROUP

PASSWORD_MIN_LENGTH = 12
GROUPS = {
    ADMINS_GROUP: "Manage the desk: agents, groups, settings",
    AGENTS_GROUP: "Work tickets",
}


class Auth(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, web_url: str, domain_prefix: str | None
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "UserPool",
            self_sign_up_enabled=False,  # admins invite agents
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            standard_attributes=cognito.StandardAttributes(
                email=cognito.StandardAttribute(required=True, mutable=True),
                fullname=cognito.StandardAttribute(required=False, mutable=True),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            mfa=cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            # Longer than Cognito's default (8): an agent's account opens every customer's tickets. The rest
            # are Cognito's defaults, written out so the template says what they are.
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(7),
            ),
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,  # the agents' accounts outlive a re-deploy
        )
        self._justify_user_pool()
        for group_name, description in GROUPS.items():
            self.user_pool.add_group(group_name.title(), group_name=group_name, description=description)
        self.client = self._spa_client(web_url)
        self.domain = self.user_pool.add_domain(
            "HostedUi",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=domain_prefix or self._unique_prefix()),
        )

    def _justify_user_pool(self) -> None:
        justify(
            self.user_pool,
            "COG2",
            "MFA (TOTP) is offered to every agent; requiring it is the business's choice (set mfa=REQUIRED), "
            "as it changes every agent's first sign-in",
        )
        for rule in ("COG3", "COG8"):
            justify(
                self.user_pool,
                rule,
                "Threat protection needs Cognito's Plus feature plan, billed per monthly active user: "
                "left to the business, not imposed on every SMB deployment",
            )

    def _spa_client(self, web_url: str) -> cognito.UserPoolClient:
        # A public client: the browser cannot keep a secret, so authorization code + PKCE.
        redirect = f"{web_url}/"
        return self.user_pool.add_client(
            "Spa",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                callback_urls=[redirect],
                logout_urls=[redirect],
            ),
            supported_identity_providers=[cognito.UserPoolClientIdentityProvider.COGNITO],
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=Duration.hours(1),
            id_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.days(30),
        )

    def _unique_prefix(self) -> str:
        # Hosted UI prefixes are unique per region across all accounts: use the stack's own UUID
        # (arn:…:stack/<name>/<uuid>), which does not reveal the account id.
        stack_uuid = Fn.select(2, Fn.split("/", Stack.of(self).stack_id))
        return f"{SERVICE_NAME}-{stack_uuid}"

    @property
    def hosted_ui_url(self) -> str:
        return self.domain.base_url()
