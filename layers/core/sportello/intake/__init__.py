"""Where customers' messages come in: mail, provider webhooks, the web form and the chat widget."""
