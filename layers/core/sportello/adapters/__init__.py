"""Implementations of `sportello.ports` with boto3: the only modules that talk to AWS directly."""
