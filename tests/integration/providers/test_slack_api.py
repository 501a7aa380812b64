"""SlackApi against the fake Slack Web API of the local cloud, served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from infra.local.fake_providers.slack import ROUTES
from infra.local.fake_providers.telegram import TINY_PNG
from sportello.adapters.http import HttpClient, HttpResponse
from sportello.adapters.providers.slack import SlackApi, SlackApiError
from sportello.providers.webhook import MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from tests.integration.providers.served_fake import ServedFake

SECRETS = ProviderSecrets({"bot_token": "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"})


@pytest.fixture(scope="module")
def served() -> Iterator[ServedFake]:
    with ServedFake(ROUTES) as fake:
        yield fake


@pytest.fixture
def slack(served: ServedFake) -> ServedFake:
    served.forget()
    return served


@pytest.fixture
def api(slack: ServedFake) -> SlackApi:
    return SlackApi(slack.base_url)


def test_a_reply_is_posted_to_the_conversation_escaped(api: SlackApi, slack: ServedFake) -> None:
    external_id = api.send(OutboundText("D111", "Use <b> & </b> here"), SECRETS)
    [posted] = slack.recorded("chat.postMessage")
    assert posted["path"] == "/api/chat.postMessage"
    assert posted["payload"] == {"channel": "D111", "text": "Use &lt;b&gt; &amp; &lt;/b&gt; here"}
    channel, _, ts = external_id.partition(":")
    assert channel == "D111"
    assert ts.endswith(f".{posted['seq']:06d}")


def test_a_reply_to_a_message_of_the_conversation_goes_in_its_thread(
    api: SlackApi, slack: ServedFake
) -> None:
    api.send(OutboundText("D111", "Sì", reply_to_external_id="D111:1596183880.004200"), SECRETS)
    api.send(OutboundText("D111", "No", reply_to_external_id="C999:1596183880.004200"), SECRETS)
    threaded, unthreaded = (entry["payload"] for entry in slack.recorded("chat.postMessage"))
    assert threaded["thread_ts"] == "1596183880.004200"
    assert "thread_ts" not in unthreaded


def test_slacks_ok_false_answer_is_an_error_that_retrying_will_not_fix(
    api: SlackApi, slack: ServedFake
) -> None:
    with pytest.raises(SlackApiError) as refused:
        api.send(OutboundText("not-a-channel", "Ciao"), SECRETS)
    assert isinstance(refused.value, ProviderHttpError)
    assert (refused.value.error, refused.value.status, refused.value.retryable) == (
        "channel_not_found",
        200,
        False,
    )
    with pytest.raises(SlackApiError) as unauthorized:
        api.send(OutboundText("D111", "Ciao"), ProviderSecrets({"bot_token": "not a token"}))
    assert unauthorized.value.error == "invalid_auth"
    assert slack.recorded() == []


class AnsweringHttp(HttpClient):
    """Answers every request with one canned 200 response, and remembers the headers it was sent."""

    def __init__(self, body: bytes, content_type: str = "application/json") -> None:
        super().__init__()
        self._response = HttpResponse(200, {"Content-Type": content_type}, body)
        self.headers: Mapping[str, str] = {}

    def request(self, method: str, url: str, **kwargs: Any) -> HttpResponse:
        self.headers = kwargs.get("headers") or {}
        return self._response


@pytest.mark.parametrize(
    ("error", "retryable"),
    [("ratelimited", True), ("internal_error", True), ("not_in_channel", False), ("invalid_auth", False)],
)
def test_only_transient_slack_errors_are_retryable(error: str, retryable: bool) -> None:
    api = SlackApi(http=AnsweringHttp(f'{{"ok": false, "error": "{error}"}}'.encode()))
    with pytest.raises(SlackApiError) as refused:
        api.send(OutboundText("D111", "Ciao"), SECRETS)
    assert (refused.value.error, refused.value.retryable) == (error, retryable)


def test_a_shared_file_is_downloaded_with_the_bot_token(api: SlackApi, slack: ServedFake) -> None:
    url = f"{slack.base_url}/files-pri/T111-F111/test.png"
    fetched = api.fetch_media(MediaRef(url=url, content_type="image/png", filename="test.png"), SECRETS)
    [download] = slack.recorded("download")
    assert download["payload"] == {"file_path": "T111-F111/test.png"}
    assert (fetched.content, fetched.content_type, fetched.filename) == (TINY_PNG, "image/png", "test.png")


def test_a_sign_in_page_instead_of_the_file_is_an_error(api: SlackApi, slack: ServedFake) -> None:
    url = f"{slack.base_url}/files-pri/T111-F111/test.png"
    with pytest.raises(ProviderHttpError) as refused:
        api.fetch_media(MediaRef(url=url), ProviderSecrets({"bot_token": "expired"}))
    assert refused.value.status == 401
    assert slack.recorded() == []


def test_the_bot_token_is_never_sent_outside_slack(api: SlackApi, slack: ServedFake) -> None:
    for url in ("https://files.example.org/files-pri/x.png", "http://files.slack.com/files-pri/x.png"):
        with pytest.raises(ValueError, match="refusing"):
            api.fetch_media(MediaRef(url=url), SECRETS)
    assert slack.recorded() == []


def test_slack_hosts_may_receive_the_token() -> None:
    http = AnsweringHttp(TINY_PNG, "image/png")
    fetched = SlackApi(http=http).fetch_media(
        MediaRef(url="https://files.slack.com/files-pri/T1-F1/a.png"), SECRETS
    )
    assert http.headers["Authorization"] == f"Bearer {SECRETS.values['bot_token']}"
    assert (fetched.content_type, fetched.filename) == ("image/png", "a.png")
