"""Which adapter serves each provider, and which provider answers on each channel. Pure: no I/O."""

from __future__ import annotations

import importlib

from ..errors import NotFoundError
from ..tickets.model import Channel
from .webhook import ProviderAdapter

# Each module exposes ADAPTER; it is imported on first use, so a function only loads the providers it meets.
ADAPTER_MODULES: dict[str, str] = {
    "whatsapp": "sportello.providers.whatsapp",
    "messenger": "sportello.providers.messenger",
    "instagram": "sportello.providers.instagram",
    "telegram": "sportello.providers.telegram",
    "slack": "sportello.providers.slack",
    "twilio-sms": "sportello.providers.twilio_sms",
    "twilio-voice": "sportello.providers.twilio_voice",
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


class ProviderRegistry:
    @staticmethod
    def names() -> list[str]:
        return sorted(ADAPTER_MODULES)

    @staticmethod
    def adapter(name: str) -> ProviderAdapter:
        try:
            module_name = ADAPTER_MODULES[name]
        except KeyError as error:
            raise NotFoundError(f"no provider named {name!r}") from error
        adapter: ProviderAdapter = importlib.import_module(module_name).ADAPTER
        return adapter

    @staticmethod
    def reply_provider(channel: Channel) -> str | None:
        return REPLY_PROVIDER.get(channel)
