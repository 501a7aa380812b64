"""How replies and acknowledgements leave: one `OutboundChannel` per kind of channel."""
