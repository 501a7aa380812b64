"""The agent HTTP API: Powertools routes over the domain services."""
