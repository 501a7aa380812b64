"""TwilioApi against the fake Twilio of the local cloud, served over real HTTP."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from infra.local.fake_providers import FakeProviderServer
from infra.local.fake_providers.twilio import ROUTES, SILENT_WAV, TINY_PNG
from sportello.adapters.http import HttpClient
from sportello.adapters.providers.twilio import TwilioApi, split_body
from sportello.providers.webhook import MediaRef, OutboundText, ProviderHttpError, ProviderSecrets

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
SECRETS = ProviderSecrets(
    {"account_sid": ACCOUNT_SID, "auth_token": "test-auth-token", "from_number": "+390212345678"}
)
MEDIA_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM0123/Media/ME0123456789abcdef0123456789abcdef"
RECORDING_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/RE0123456789abcdef0123456789abcdef"


class FakeTwilio:
    def __init__(self) -> None:
        self.app = FakeProviderServer(ROUTES)
        self._server = make_server("127.0.0.1", 0, self.app)
        self.base_url = f"http://127.0.0.1:{self._server.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeTwilio:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._thread.join()

    def recorded(self, action: str) -> list[dict[str, object]]:
        return [entry for entry in self.app.recorder.requests if entry["action"] == action]


@pytest.fixture(scope="module")
def served_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio(served_twilio: FakeTwilio) -> FakeTwilio:
    served_twilio.app.recorder.requests.clear()
    return served_twilio


@pytest.fixture
def api(twilio: FakeTwilio) -> TwilioApi:
    return TwilioApi(twilio.base_url)


def test_a_reply_is_sent_as_an_sms(twilio, api):
    sid = api.send(OutboundText("+393331234567", "Buongiorno, la richiamiamo domani."), SECRETS)

    assert re.fullmatch(r"SM[0-9a-f]{32}", sid)
    (sent,) = twilio.recorded("send_message")
    assert sent["path"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent["payload"] == {
        "account_sid": ACCOUNT_SID,
        "sid": sid,
        "To": "+393331234567",
        "From": "+390212345678",
        "Body": "Buongiorno, la richiamiamo domani.",
    }


def test_a_messaging_service_sends_instead_of_a_number(twilio, api):
    service = "MG0123456789abcdef0123456789abcdef"
    secrets = ProviderSecrets({**SECRETS.values, "messaging_service_sid": service})

    api.send(OutboundText("+393331234567", "Ciao"), secrets)

    (sent,) = twilio.recorded("send_message")
    assert sent["payload"]["MessagingServiceSid"] == service
    assert "From" not in sent["payload"]


def test_a_long_reply_goes_out_in_parts_twilio_accepts(twilio, api):
    text = " ".join(f"parola{n}" for n in range(400))

    sid = api.send(OutboundText("+393331234567", text), SECRETS)

    parts = [entry["payload"]["Body"] for entry in twilio.recorded("send_message")]
    assert len(parts) == 3
    assert all(len(part) <= 1600 for part in parts)
    assert " ".join(parts) == text
    assert sid == twilio.recorded("send_message")[-1]["payload"]["sid"]


def test_mms_media_are_fetched_through_twilios_redirect_without_leaking_credentials(twilio, api):
    media = api.fetch_media(MediaRef(url=twilio.base_url + MEDIA_PATH, content_type="image/jpeg"), SECRETS)

    assert (media.content, media.content_type) == (TINY_PNG, "image/png")
    assert media.filename == "ME0123456789abcdef0123456789abcdef.png"
    (fetched,) = twilio.recorded("fetch_media")
    assert fetched["payload"]["media_sid"] == "ME0123456789abcdef0123456789abcdef"


def test_redirects_never_carry_the_credentials_to_the_cdn(twilio):
    """The fake CDN refuses a request with our Basic credentials, as S3 does."""
    plain = TwilioApi(twilio.base_url, http=HttpClient(attempts=1))

    media = plain.fetch_media(MediaRef(url=twilio.base_url + MEDIA_PATH), SECRETS)

    assert media.content


def test_a_voicemail_recording_is_fetched(twilio, api):
    media = api.fetch_media(MediaRef(url=twilio.base_url + RECORDING_PATH), SECRETS)

    assert (media.content, media.content_type) == (SILENT_WAV, "audio/x-wav")
    assert media.filename == "RE0123456789abcdef0123456789abcdef.wav"
    assert len(twilio.recorded("fetch_recording")) == 1


def test_credentials_go_to_twilios_host_only(twilio, api):
    elsewhere = twilio.base_url.replace("127.0.0.1", "localhost") + MEDIA_PATH

    with pytest.raises(ProviderHttpError) as error:
        api.fetch_media(MediaRef(url=elsewhere), SECRETS)

    assert error.value.status == 401
    assert twilio.recorded("fetch_media") == []


@pytest.mark.parametrize(
    ("message", "secrets", "status", "code"),
    [
        (OutboundText("12345", "Ciao"), SECRETS, 400, "21211"),
        (OutboundText("+393331234567", ""), SECRETS, 400, "21602"),
        (
            OutboundText("+393331234567", "Ciao"),
            ProviderSecrets({**SECRETS.values, "from_number": "0212345678"}),
            400,
            "21212",
        ),
    ],
    ids=["invalid number", "empty body", "invalid sender"],
)
def test_twilio_refusals_are_provider_http_errors(twilio, api, message, secrets, status, code):
    with pytest.raises(ProviderHttpError) as error:
        api.send(message, secrets)

    assert error.value.status == status
    assert f'"code": {code}' in error.value.body
    assert not error.value.retryable
    assert twilio.recorded("send_message") == []


def test_split_body_keeps_words_whole_and_cuts_what_has_no_space():
    assert split_body("short") == ["short"]
    assert split_body("aaaa bbbb cccc", limit=9) == ["aaaa bbbb", "cccc"]
    assert split_body("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_body("aaaa\nbbbb cccc", limit=8) == ["aaaa", "bbbb", "cccc"]
    assert split_body("x" * 20, limit=8) == ["x" * 8, "x" * 8, "x" * 4]
