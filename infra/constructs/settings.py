"""Deployment settings an SMB may change, read from the CDK context (cdk.json or `-c key=value`)."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Node

from infra.constants import (
    CONTEXT_ALARM_EMAIL,
    CONTEXT_ARCHITECTURE,
    CONTEXT_AUTH_DOMAIN_PREFIX,
    CONTEXT_DESK_NAME,
    CONTEXT_LOG_LEVEL,
    CONTEXT_MAIL_DOMAIN,
    CONTEXT_NOTIFY_EMAIL,
    CONTEXT_TRACING,
)
from sportello.names import SUPPORT_LOCAL_PART

DEFAULT_MAIL_DOMAIN = "example.com"
DEFAULT_DESK_NAME = "Sportello"
DEFAULT_LOG_LEVEL = "INFO"


@dataclass(frozen=True)
class DeploymentSettings:
    mail_domain: str
    desk_name: str
    log_level: str
    auth_domain_prefix: str | None  # None: derived from the stack, unique per deployment
    alarm_email: str | None
    tracing: bool = False
    architecture: str = "arm64"  # the functions' CPU; `-c architecture=x86_64` for the other one
    notify_email: str | None = None  # subscribed to the desk's notifications (assignments, rules)

    @property
    def support_address(self) -> str:
        return f"{SUPPORT_LOCAL_PART}@{self.mail_domain}"

    @classmethod
    def from_context(cls, node: Node) -> DeploymentSettings:
        def read(key: str) -> str | None:
            value = node.try_get_context(key)
            if value is None:
                return None
            return str(value).strip() or None  # an empty string in cdk.json means "use the default"

        return cls(
            mail_domain=(read(CONTEXT_MAIL_DOMAIN) or DEFAULT_MAIL_DOMAIN).lower(),
            desk_name=read(CONTEXT_DESK_NAME) or DEFAULT_DESK_NAME,
            log_level=(read(CONTEXT_LOG_LEVEL) or DEFAULT_LOG_LEVEL).upper(),
            auth_domain_prefix=read(CONTEXT_AUTH_DOMAIN_PREFIX),
            alarm_email=read(CONTEXT_ALARM_EMAIL),
            tracing=(read(CONTEXT_TRACING) or "false").lower() in ("1", "true", "yes"),
            architecture=(read(CONTEXT_ARCHITECTURE) or "arm64").lower(),
            notify_email=read(CONTEXT_NOTIFY_EMAIL),
        )
