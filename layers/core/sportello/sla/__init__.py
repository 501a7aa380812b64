"""Service level agreements: policies, business-time clocks per ticket, alerts and escalation."""
