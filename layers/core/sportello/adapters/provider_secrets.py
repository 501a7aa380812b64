"""Provider credentials: one Secrets Manager secret holding a JSON object per provider."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..channels.webhook import ProviderSecrets


class JsonSecretStore:
    """Reads `{"whatsapp": {"app_secret": …}, "telegram": {…}}` from a JSON document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def secrets_for(self, provider: str) -> ProviderSecrets:
        values = self._document.get(provider) or {}
        return ProviderSecrets({str(k): str(v) for k, v in values.items()})


def secrets_manager_store(name: str) -> JsonSecretStore:
    from .secrets import secret_value

    return JsonSecretStore(json.loads(secret_value(name) or "{}"))
