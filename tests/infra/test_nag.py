"""cdk-nag's AwsSolutions rules on the whole stack: every finding fixed, or acknowledged next to its resource
with a reason (`infra.constructs.nag.justify` in the construct), never in a stack-wide list."""

from __future__ import annotations

from aws_cdk.assertions import Annotations, Match, Template

from infra.stack import SportelloStack

NAG_FINDING = Match.string_like_regexp("AwsSolutions-.*")


def test_aws_solutions_rules_find_nothing_unacknowledged(stack: SportelloStack, template: Template) -> None:
    # Given the shared synthesis (`template` synthesizes it: the rules run then), when reading its findings
    annotations = Annotations.from_stack(stack)
    findings = [
        f"{level} at {finding.id}\n    {finding.entry.data}"
        for level, found in (
            ("ERROR", annotations.find_error("*", NAG_FINDING)),
            ("WARNING", annotations.find_warning("*", NAG_FINDING)),
        )
        for finding in found
    ]
    # Then there are none: fix the resource, or `justify` the rule on it with a reason a reviewer can check
    assert not findings, "cdk-nag AwsSolutions findings:\n" + "\n".join(findings)
