"""HTTP clients of the providers' APIs (sending replies, fetching media), on the standard library."""

from __future__ import annotations

import importlib

from ...errors import NotFoundError
from ...providers.webhook import ProviderApi

# provider -> (module, class); imported on first use, so a function only loads the clients it calls.
API_CLIENTS: dict[str, tuple[str, str]] = {
    "whatsapp": ("sportello.adapters.providers.meta", "WhatsAppApi"),
    "messenger": ("sportello.adapters.providers.meta", "MessengerApi"),
    "instagram": ("sportello.adapters.providers.meta", "InstagramApi"),
    "telegram": ("sportello.adapters.providers.telegram", "TelegramApi"),
    "slack": ("sportello.adapters.providers.slack", "SlackApi"),
    "twilio-sms": ("sportello.adapters.providers.twilio", "TwilioApi"),
    "twilio-voice": ("sportello.adapters.providers.twilio", "TwilioApi"),
}


class HttpProviderApis:
    """`ProviderApis` over HTTP. Locally one fake server answers for every provider (`base_url`)."""

    def __init__(self, base_url: str | None = None) -> None:
        self._base_url = base_url
        self._clients: dict[str, ProviderApi] = {}

    def api(self, provider: str) -> ProviderApi:
        if provider not in self._clients:
            try:
                module_name, class_name = API_CLIENTS[provider]
            except KeyError as error:
                raise NotFoundError(f"no provider named {provider!r}") from error
            client_class = getattr(importlib.import_module(module_name), class_name)
            self._clients[provider] = client_class(base_url=self._base_url)
        return self._clients[provider]
