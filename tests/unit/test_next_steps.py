"""The steps `make deploy` prints after deploying: filled with the stack's values, done ones marked."""

from __future__ import annotations

from infra.next_steps import AccountState, next_steps, render

OUTPUTS = {
    "WebUrl": "https://d111.cloudfront.net",
    "MailDomain": "acme.example",
    "UserPoolId": "eu-west-1_AbC",
    "ReceiptRuleSetName": "Sportello-rules",
    "ActivateReceiptRuleSetCommand": "aws ses set-active-receipt-rule-set --rule-set-name Sportello-rules",
    "AlarmTopicArn": "arn:aws:sns:eu-west-1:123456789012:alarms",
    "ProviderSecretName": "sportello/providers",
    "WebhookBaseUrl": "https://api.example/webhooks/",
}


def test_a_fresh_account_gets_every_step_with_its_values() -> None:
    steps = next_steps(OUTPUTS, AccountState(region="eu-west-1", domain_verified=False, admins=0))
    text = render(steps)
    assert "aws sesv2 create-email-identity --email-identity acme.example" in text
    assert "MX 10 inbound-smtp.eu-west-1.amazonaws.com" in text
    assert OUTPUTS["ActivateReceiptRuleSetCommand"] in text
    assert "--user-pool-id eu-west-1_AbC" in text
    assert "summary: 0 of 7 steps done" in text


def test_what_the_account_shows_done_is_marked_and_not_repeated() -> None:
    state = AccountState(
        region="eu-west-1",
        domain_verified=True,
        dkim_tokens=("tok1", "tok2", "tok3"),
        active_rule_set="Sportello-rules",
        production_access=True,
        admins=1,
        providers_configured=("telegram",),
        alarm_subscriptions=1,
    )
    text = render(next_steps(OUTPUTS, state))
    assert "summary: 6 of 7 steps done" in text  # the MX record cannot be read from the account
    assert "create-email-identity" not in text
    assert "set-active-receipt-rule-set" not in text


def test_dkim_records_are_printed_once_the_identity_exists() -> None:
    state = AccountState(region="eu-west-1", domain_verified=False, dkim_tokens=("abc",))
    text = render(next_steps(OUTPUTS, state))
    assert "CNAME abc._domainkey.acme.example -> abc.dkim.amazonses.com" in text
    assert "create-email-identity" not in text


def test_another_active_rule_set_is_a_step_to_do() -> None:
    [_, _, activate, *_] = next_steps(OUTPUTS, AccountState(region="eu-west-1", active_rule_set="legacy"))
    assert activate.done is False
