"""Messaging providers' webhooks: verify, answer handshakes, parse into channel-agnostic events. Pure."""
