"""One CDK construct per concern; `infra.stack.SportelloStack` composes them."""
