"""Instagram messaging webhooks (`object: instagram`): the Messenger Platform's events, with Instagram ids.

Secrets (`ProviderSecrets.values`):
- `app_secret`: the secret that signs the webhooks: the Instagram app secret (Instagram > API setup with
  Instagram login) for Instagram-login apps, the Meta app secret (App settings > Basic) otherwise.
- `verify_token`: the string typed as "Verify token" when subscribing the webhook.
- `access_token`: the Instagram account's access token (generated in "API setup with Instagram login"),
  for replies.
"""

from __future__ import annotations

from ..customers.model import IdentityKind
from ..tickets.model import Channel
from .messenger import MessagingPlatformAdapter

ADAPTER = MessagingPlatformAdapter("instagram", Channel.INSTAGRAM, "instagram", IdentityKind.INSTAGRAM)
