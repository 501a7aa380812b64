"""cdk-nag suppressions, always next to the resource they concern and always with the reason why.

`tests/infra/test_nag.py` runs the AwsSolutions rules on the whole stack; a finding that is not fixed is
acknowledged with `justify`, on the one construct (and its children) it is about, never stack-wide.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import CfnResource, Stack
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import IConstruct


def justify(construct: IConstruct, rule: str, reason: str, *, findings: Sequence[str] = ()) -> None:
    """Acknowledge `AwsSolutions-<rule>` on `construct` and its children; `findings` narrows a granular
    rule (IAM4, IAM5) to exactly the managed policies or wildcards meant, e.g. `Action::s3:List*`."""
    suppression = NagPackSuppression(
        id=f"AwsSolutions-{rule}", reason=reason, applies_to=list(findings) if findings else None
    )
    NagSuppressions.add_resource_suppressions(construct, [suppression], apply_to_children=True)


def arn_finding(resource: IConstruct, suffix: str) -> str:
    """How cdk-nag names a wildcard under a resource's ARN: `Resource::<LogicalId.Arn><suffix>`."""
    cfn_resource = resource.node.default_child
    assert isinstance(cfn_resource, CfnResource)
    stack = Stack.of(resource)
    return f"Resource::<{stack.resolve(stack.get_logical_id(cfn_resource))}.Arn>{suffix}"
