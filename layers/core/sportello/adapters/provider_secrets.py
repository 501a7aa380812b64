"""Provider credentials: one Secrets Manager secret holding a JSON object per provider."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..providers.webhook import ProviderSecrets


class JsonSecretStore:
    """Reads `{"whatsapp": {"app_secret": …}, "telegram": {…}}` from a JSON document."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def secrets_for(self, provider: str) -> ProviderSecrets:
        values = self._document.get(provider) or {}
        return ProviderSecrets({str(k): str(v) for k, v in values.items()})


class SecretsManagerStore:
    """Reads the document from Secrets Manager, cached for five minutes: credentials an operator
    adds or rotates reach running functions without a redeploy."""

    def __init__(self, name: str, max_age_seconds: int = 300) -> None:
        self._name = name
        self._max_age = max_age_seconds

    def secrets_for(self, provider: str) -> ProviderSecrets:
        from aws_lambda_powertools.utilities import parameters

        document = json.loads(str(parameters.get_secret(self._name, max_age=self._max_age)) or "{}")
        return JsonSecretStore(document).secrets_for(provider)
