"""Which adapter and API client serve each provider, and which provider serves each channel."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import NotFoundError
from ..tickets.model import Channel
from .webhook import ProviderAdapter, ProviderApi, ProviderSecrets


@dataclass(frozen=True)
class ProviderModules:
    adapter_module: str  # exposes ADAPTER
    api_module: str
    api_class: str


PROVIDERS: dict[str, ProviderModules] = {
    "whatsapp": ProviderModules(
        "sportello.channels.whatsapp", "sportello.adapters.providers.meta", "WhatsAppApi"
    ),
    "messenger": ProviderModules(
        "sportello.channels.messenger", "sportello.adapters.providers.meta", "MessengerApi"
    ),
    "instagram": ProviderModules(
        "sportello.channels.instagram", "sportello.adapters.providers.meta", "InstagramApi"
    ),
    "telegram": ProviderModules(
        "sportello.channels.telegram", "sportello.adapters.providers.telegram", "TelegramApi"
    ),
    "slack": ProviderModules("sportello.channels.slack", "sportello.adapters.providers.slack", "SlackApi"),
    "twilio-sms": ProviderModules(
        "sportello.channels.twilio", "sportello.adapters.providers.twilio", "TwilioApi"
    ),
    "twilio-voice": ProviderModules(
        "sportello.channels.twilio", "sportello.adapters.providers.twilio", "TwilioApi"
    ),
}

# Replies on a channel go out through this provider (a caller is answered by SMS).
REPLY_PROVIDER: dict[Channel, str] = {
    Channel.WHATSAPP: "whatsapp",
    Channel.MESSENGER: "messenger",
    Channel.INSTAGRAM: "instagram",
    Channel.TELEGRAM: "telegram",
    Channel.SLACK: "slack",
    Channel.SMS: "twilio-sms",
    Channel.VOICE: "twilio-sms",
}


class SecretStore(Protocol):
    def secrets_for(self, provider: str) -> ProviderSecrets: ...


class ProviderRegistry:
    """Loads adapters lazily, so a function only imports the providers it meets."""

    def __init__(self, api_base_url: str | None = None) -> None:
        # Locally one fake server answers for every provider API; in AWS each client's default host.
        self._api_base_url = api_base_url
        self._apis: dict[str, ProviderApi] = {}

    @staticmethod
    def names() -> list[str]:
        return sorted(PROVIDERS)

    def adapter(self, name: str) -> ProviderAdapter:
        modules = self._modules(name)
        module = importlib.import_module(modules.adapter_module)
        adapters: Any = getattr(module, "ADAPTERS", None)
        adapter: ProviderAdapter = adapters[name] if adapters else module.ADAPTER
        return adapter

    def api(self, name: str) -> ProviderApi:
        if name not in self._apis:
            modules = self._modules(name)
            api_class = getattr(importlib.import_module(modules.api_module), modules.api_class)
            self._apis[name] = api_class(base_url=self._api_base_url)
        return self._apis[name]

    @staticmethod
    def reply_provider(channel: Channel) -> str | None:
        return REPLY_PROVIDER.get(channel)

    @staticmethod
    def _modules(name: str) -> ProviderModules:
        try:
            return PROVIDERS[name]
        except KeyError as error:
            raise NotFoundError(f"no provider named {name!r}") from error
