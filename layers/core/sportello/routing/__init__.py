"""Routing: classify each new request, apply the desk's triggers and automations, assign the right agent.

The steps run in a Step Functions workflow (`infra/statemachines/routing.asl.json`); each step is one
method of `RoutingWorkflow`, idempotent, so a retried or redelivered step changes nothing twice.
"""
