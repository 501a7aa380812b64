"""The Slack adapter against the corpus of Events API bodies, its signature check and its handshake."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.slack import ADAPTER, SlackAdapter, plain_text, signature_for
from sportello.providers.webhook import (
    ChannelMessage,
    MediaRef,
    MessageDeleted,
    MessageEdited,
    PayloadError,
    ProviderSecrets,
    Reaction,
    Unsupported,
    VerificationError,
    WebhookEvent,
    WebhookRequest,
)
from sportello.tickets.model import Channel
from tests.conftest import CORPUS
from tests.unit.providers.json_fuzz import broken_variants, events_or_payload_error

FOLDER = CORPUS / "webhooks" / "slack"
FILES = sorted(FOLDER.glob("*.json"))  # schema/ holds JSON schemas, not payloads
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SECRETS = ProviderSecrets({"signing_secret": SIGNING_SECRET, "bot_token": "xoxb-1-2-abc"})
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
PINNED = SlackAdapter(clock=lambda: NOW)

# Slack's published example ("Verifying requests from Slack"): a slash command body it signed.
SLACK_EXAMPLE_TIMESTAMP = "1531420618"
SLACK_EXAMPLE_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

CHANNEL_MESSAGE = (Unsupported, "channel_message")
EXPECTED = {
    "bolt-python__test_events__app_uninstalled_body_L299.json": (Unsupported, "app_uninstalled"),
    "bolt-python__test_events__body_L503.json": (Unsupported, "member_left_channel"),
    "bolt-python__test_events__join_event_body_L167.json": (Unsupported, "member_joined_channel"),
    "bolt-python__test_events__join_event_body_L228.json": (Unsupported, "member_joined_channel"),
    "bolt-python__test_events__left_event_body_L186.json": (Unsupported, "member_left_channel"),
    "bolt-python__test_events__left_event_body_L247.json": (Unsupported, "member_left_channel"),
    "bolt-python__test_events__message_file_share_body_L337.json": CHANNEL_MESSAGE,
    "bolt-python__test_events__tokens_revoked_body_L315.json": (Unsupported, "tokens_revoked"),
    "bolt-python__test_events__valid_event_body_L51.json": (Unsupported, "app_mention"),
    "bolt-python__test_events__valid_reaction_added_body_L112.json": (Reaction, None),
    "bolt-python__test_flask__input_L216.json": (Unsupported, "url_verification"),
    "bolt-python__test_message__message_body2_L294.json": CHANNEL_MESSAGE,
    "bolt-python__test_message__message_body3_L317.json": CHANNEL_MESSAGE,
    "bolt-python__test_message__message_body_L253.json": CHANNEL_MESSAGE,
    "bolt-python__test_message_bot__bot_message_event_payload_L128.json": (Unsupported, "bot_message"),
    "bolt-python__test_message_bot__classic_bot_message_event_payload_L173.json": (
        Unsupported,
        "bot_message",
    ),
    "bolt-python__test_message_bot__user_message_event_payload_L79.json": CHANNEL_MESSAGE,
    "bolt-python__test_message_changed__event_payload_L68.json": (MessageEdited, None),
    "bolt-python__test_message_deleted__event_payload_L68.json": (MessageDeleted, None),
    "bolt-python__test_message_file_share__event_payload_L74.json": CHANNEL_MESSAGE,
}


def request(body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest("POST", "https://desk.example.com/webhooks/slack", headers or {}, {}, raw)


def corpus(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FOLDER / f"bolt-python__{name}.json").read_bytes())
    return payload


def direct_message(name: str) -> dict[str, Any]:
    """A corpus channel message as Slack sends it from a direct message with the app."""
    payload = corpus(name)
    payload["event"].update(channel="D111", channel_type="im")
    return payload


def only_event(body: bytes | dict[str, Any]) -> WebhookEvent:
    events = ADAPTER.parse(request(body))
    assert len(events) == 1
    return events[0]


def only_message(body: dict[str, Any]) -> ChannelMessage:
    event = only_event(body)
    assert isinstance(event, ChannelMessage), event
    return event


# --- the corpus ---------------------------------------------------------------------------------------


def test_the_expectations_cover_the_whole_corpus() -> None:
    assert FILES, f"no corpus at {FOLDER}"
    assert {path.name for path in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_corpus_body_maps_to_its_event(path: Path) -> None:
    expected_type, expected_kind = EXPECTED[path.name]
    event = only_event(path.read_bytes())
    assert type(event) is expected_type
    if isinstance(event, Unsupported):
        assert event.kind == expected_kind


def test_a_direct_message_is_a_customer_message_of_a_team_qualified_user() -> None:
    message = only_message(direct_message("test_message__message_body_L253"))
    assert message == ChannelMessage(
        external_id="D111:1596183880.004200",
        channel=Channel.SLACK,
        identity=Identity(IdentityKind.SLACK, "T111:W111"),
        conversation="D111",
        sender_name="W111",
        text="Hello World!",
        sent_at=datetime(2020, 7, 31, 8, 24, 40, 4200, tzinfo=UTC),
        kind="text",
    )


def test_the_same_user_id_in_another_workspace_is_another_customer() -> None:
    payload = direct_message("test_message__message_body_L253")
    payload["team_id"] = "T999"
    assert only_message(payload).identity == Identity(IdentityKind.SLACK, "T999:W111")


def test_a_shared_file_is_fetched_from_url_private() -> None:
    message = only_message(direct_message("test_message_file_share__event_payload_L74"))
    assert (message.kind, message.text) == ("file_share", "Hi there!")
    assert message.media == (
        MediaRef(
            url="https://files.slack.com/files-pri/T111-F111/file.png",
            content_type="image/png",
            filename="file.png",
        ),
    )


def test_files_with_nothing_to_download_are_left_out() -> None:
    payload = direct_message("test_message_file_share__event_payload_L74")
    file = payload["event"]["files"][0]
    payload["event"]["files"] = [
        {**file, "is_external": True, "url_private": "https://drive.google.com/file/1"},
        {"id": "F222", "mode": "tombstone"},
    ]
    assert only_message(payload).media == ()


def test_a_thread_reply_points_at_the_threads_first_message() -> None:
    payload = direct_message("test_message__message_body_L253")
    payload["event"]["thread_ts"] = "1596183000.000100"
    assert only_message(payload).reply_to_external_id == "D111:1596183000.000100"


def test_the_user_profile_names_the_sender_when_slack_sends_one() -> None:
    payload = direct_message("test_message__message_body_L253")
    payload["event"]["user_profile"] = {"real_name": "Mario Rossi", "display_name": "", "name": "mrossi"}
    assert only_message(payload).sender_name == "Mario Rossi"


def test_mrkdwn_reads_as_plain_text() -> None:
    assert plain_text("<@U123> see <https://example.org|the docs> &amp; <#C1|general> &lt;3") == (
        "@U123 see the docs (https://example.org) & #general <3"
    )
    assert plain_text("<mailto:a@example.org|a@example.org> <!here> <https://x.org>") == (
        "a@example.org @here https://x.org"
    )


def test_bots_are_never_answered_even_in_a_direct_message() -> None:
    for name in (
        "test_message_bot__bot_message_event_payload_L128",
        "test_message_bot__classic_bot_message_event_payload_L173",
    ):
        event = only_event(direct_message(name))
        assert isinstance(event, Unsupported)
        assert event.kind == "bot_message"


def test_housekeeping_subtypes_are_not_messages() -> None:
    payload = direct_message("test_message__message_body_L253")
    payload["event"]["subtype"] = "channel_join"
    assert only_event(payload) == Unsupported("message_channel_join")


def test_an_edit_names_the_edited_message_and_the_edit_time() -> None:
    assert only_event(corpus("test_message_changed__event_payload_L68")) == MessageEdited(
        external_id="C111:1665102338.901939",
        text="updated message",
        at=datetime.fromtimestamp(1665102362, UTC),
    )


def test_a_link_preview_added_by_slack_is_not_an_edit() -> None:
    payload = corpus("test_message_changed__event_payload_L68")
    message = payload["event"]["message"]
    del message["edited"]
    message["text"] = payload["event"]["previous_message"]["text"]
    message["attachments"] = [{"title": "Example", "from_url": "https://example.org"}]
    assert only_event(payload) == Unsupported("message_changed", "unfurl, text unchanged")


def test_edits_of_bot_messages_are_ignored() -> None:
    payload = corpus("test_message_changed__event_payload_L68")
    payload["event"]["message"]["bot_id"] = "B999"
    event = only_event(payload)
    assert isinstance(event, Unsupported)
    assert event.kind == "bot_message"


def test_a_deletion_names_the_deleted_message() -> None:
    assert only_event(corpus("test_message_deleted__event_payload_L68")) == MessageDeleted(
        external_id="C111:1665368619.804829",
        at=datetime.fromtimestamp(1665368629.0071, UTC),
    )


def test_a_reaction_names_the_message_and_its_removal_is_empty() -> None:
    payload = corpus("test_events__valid_reaction_added_body_L112")
    assert only_event(payload) == Reaction(
        external_id="C111:1599529504.000400",
        identity=Identity(IdentityKind.SLACK, "T111:W111"),
        emoji=":heart_eyes:",
        at=datetime.fromtimestamp(1599616881.0008, UTC),
    )
    payload["event"]["type"] = "reaction_removed"
    removed = only_event(payload)
    assert isinstance(removed, Reaction)
    assert removed.emoji == ""


def test_a_reaction_to_a_file_is_not_a_message_reaction() -> None:
    payload = corpus("test_events__valid_reaction_added_body_L112")
    payload["event"]["item"] = {"type": "file", "file": "F111"}
    assert only_event(payload) == Unsupported("reaction_added", "on a file")


# --- malformed bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [b"{}", b'{"type": "event_callback"}', b'{"type": 5}', b"payload=%7B%7D", b"[]", b""]
)
def test_bodies_that_are_not_events_are_payload_errors(body: bytes) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(request(body))


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_broken_variants_of_every_body_never_raise_anything_else(path: Path) -> None:
    for body in broken_variants(path.read_bytes()):
        events_or_payload_error(ADAPTER, request(body))


def test_broken_direct_messages_never_raise_anything_else() -> None:
    body = json.dumps(direct_message("test_message_file_share__event_payload_L74")).encode()
    for variant in broken_variants(body):
        events_or_payload_error(ADAPTER, request(variant))


# --- verification -------------------------------------------------------------------------------------


def signed(body: bytes, at: datetime = NOW, secret: str = SIGNING_SECRET) -> WebhookRequest:
    timestamp = str(int(at.timestamp()))
    headers = {
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature_for(body, timestamp, secret),
        "x-slack-retry-num": "1",  # a retry is signed like any request and verifies the same
    }
    return request(body, headers)


BODY = (FOLDER / "bolt-python__test_message__message_body_L253.json").read_bytes()


def test_slacks_published_example_verifies() -> None:
    at = datetime.fromtimestamp(int(SLACK_EXAMPLE_TIMESTAMP), UTC) + timedelta(seconds=1)
    headers = {
        "x-slack-request-timestamp": SLACK_EXAMPLE_TIMESTAMP,
        "x-slack-signature": SLACK_EXAMPLE_SIGNATURE,
    }
    SlackAdapter(clock=lambda: at).verify(request(SLACK_EXAMPLE_BODY, headers), SECRETS)


def test_a_fresh_signed_request_verifies() -> None:
    PINNED.verify(signed(BODY, NOW - timedelta(minutes=4)), SECRETS)


def test_a_changed_body_is_refused() -> None:
    good = signed(BODY)
    tampered = request(BODY.replace(b"Hello", b"Hallo"), dict(good.headers))
    with pytest.raises(VerificationError):
        PINNED.verify(tampered, SECRETS)


def test_another_apps_signature_is_refused() -> None:
    with pytest.raises(VerificationError):
        PINNED.verify(signed(BODY, secret="another-apps-secret"), SECRETS)


@pytest.mark.parametrize("age", [timedelta(minutes=6), timedelta(hours=-1), timedelta(days=400)])
def test_a_replayed_or_future_request_is_refused_even_if_signed(age: timedelta) -> None:
    with pytest.raises(VerificationError, match="five minutes"):
        PINNED.verify(signed(BODY, NOW - age), SECRETS)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-slack-request-timestamp": "1740821400"},
        {"x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "soon", "x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "١٧٤٠٨٢١٤٠٠", "x-slack-signature": "v0=00"},  # Arabic-Indic digits
        {"x-slack-request-timestamp": "99999999999999999999", "x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "1740821400", "x-slack-signature": "v0=é"},
        {"x-slack-request-timestamp": "1740821400", "x-slack-signature": "v0=\ud800"},
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(VerificationError):
        PINNED.verify(request(BODY, headers), SECRETS)


def test_without_a_configured_secret_nothing_verifies() -> None:
    with pytest.raises(VerificationError):
        PINNED.verify(signed(BODY), ProviderSecrets({}))


# --- the url_verification handshake -------------------------------------------------------------------

CHALLENGE_BODY = (FOLDER / "bolt-python__test_flask__input_L216.json").read_bytes()


def test_a_signed_url_verification_gets_its_challenge_back_as_json() -> None:
    response = PINNED.handshake(signed(CHALLENGE_BODY), SECRETS)
    assert response is not None
    assert (response.status, response.content_type) == (200, "application/json")
    assert json.loads(response.body) == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_an_unsigned_or_stale_url_verification_is_refused() -> None:
    with pytest.raises(VerificationError):
        PINNED.handshake(request(CHALLENGE_BODY), SECRETS)
    with pytest.raises(VerificationError):
        PINNED.handshake(signed(CHALLENGE_BODY, NOW - timedelta(minutes=10)), SECRETS)


@pytest.mark.parametrize("body", [BODY, b"not json", b'{"type": "url_verification"}'])
def test_other_bodies_are_not_handshakes(body: bytes) -> None:
    assert PINNED.handshake(request(body), SECRETS) is None


def test_slack_wants_an_empty_200() -> None:
    acknowledgement = ADAPTER.acknowledgement(request(BODY))
    assert (acknowledgement.status, acknowledgement.body) == (200, "")
    assert (ADAPTER.name, ADAPTER.channel) == ("slack", Channel.SLACK)
