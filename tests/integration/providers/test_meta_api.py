"""Meta's Graph API clients (WhatsApp, Messenger, Instagram) against the fake Graph API on a real socket."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from infra.local.fake_providers import FakeProviderServer, FakeRoute, Recorder, json_response
from infra.local.fake_providers.meta import ROUTES, TINY_PNG
from sportello.adapters.http import HttpClient, HttpResponse
from sportello.adapters.providers.meta import InstagramApi, MessengerApi, WhatsAppApi, split_text
from sportello.providers.webhook import (
    FetchedMedia,
    MediaRef,
    OutboundText,
    ProviderHttpError,
    ProviderSecrets,
)

SECRETS = ProviderSecrets(
    {
        "access_token": "test-access-token",
        "page_access_token": "test-page-token",
        "phone_number_id": "100000000000001",
    }
)
SEEN_HEADERS: list[Mapping[str, str]] = []


def _headers_echo(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    SEEN_HEADERS.append(dict(request.headers))
    return Response(TINY_PNG, content_type="image/png")


def _graph_without_ids(request: Request, recorder: Recorder, arguments: Mapping[str, Any]) -> Response:
    return json_response({"messaging_product": "whatsapp", "messages": []})


EXTRA_ROUTES = [
    FakeRoute("GET", "/test-cdn/<path:name>", _headers_echo),
    FakeRoute("POST", "/no-ids/v21.0/<phone_number_id>/messages", _graph_without_ids),
]


@dataclass
class Fake:
    url: str
    recorder: Recorder

    def recorded(self) -> list[dict[str, Any]]:
        return list(self.recorder.requests)


@pytest.fixture(scope="module")
def server() -> Iterator[Fake]:
    app = FakeProviderServer([*ROUTES, *EXTRA_ROUTES])
    http_server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=http_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield Fake(f"http://127.0.0.1:{http_server.server_port}", app.recorder)
    http_server.shutdown()
    thread.join()


@pytest.fixture
def fake(server: Fake) -> Fake:
    server.recorder.requests.clear()
    SEEN_HEADERS.clear()
    return server


def http() -> HttpClient:
    return HttpClient(timeout_seconds=5, attempts=1)


# --- WhatsApp ---------------------------------------------------------------------------------------


def test_whatsapp_sends_a_text_from_the_business_number(fake: Fake) -> None:
    api = WhatsAppApi(fake.url, http())
    external_id = api.send(
        OutboundText("+393331234567", "Buongiorno!", reply_to_external_id="wamid.IN"), SECRETS
    )
    assert external_id.startswith("wamid.")
    [sent] = fake.recorded()
    assert (sent["provider"], sent["action"], sent["path"]) == (
        "whatsapp",
        "send_message",
        "/v21.0/100000000000001/messages",
    )
    assert sent["payload"] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "393331234567",
        "type": "text",
        "text": {"body": "Buongiorno!", "preview_url": False},
        "context": {"message_id": "wamid.IN"},
    }


def test_whatsapp_splits_a_long_reply_and_answers_with_the_first_id(fake: Fake) -> None:
    text = ("parola " * 1000).strip()  # 6999 characters: two messages of at most 4096
    first = WhatsAppApi(fake.url, http()).send(OutboundText("+393331234567", text, "wamid.IN"), SECRETS)
    sent = fake.recorded()
    assert len(sent) == 2
    assert all(len(entry["payload"]["text"]["body"]) <= 4096 for entry in sent)
    assert "context" in sent[0]["payload"]
    assert "context" not in sent[1]["payload"]
    assert " ".join(entry["payload"]["text"]["body"] for entry in sent) == text
    assert first.startswith("wamid.")


def test_whatsapp_media_is_looked_up_then_downloaded_with_the_token(fake: Fake) -> None:
    media = WhatsAppApi(fake.url, http()).fetch_media(MediaRef(media_id="65463453"), SECRETS)
    assert media == FetchedMedia(TINY_PNG, "image/png", "65463453.png")
    assert [(entry["action"], entry["payload"]) for entry in fake.recorded()] == [
        ("media_metadata", {"media_id": "65463453"}),
        ("media_download", {"media_id": "65463453"}),
    ]


def test_whatsapp_media_keeps_the_webhook_s_name_and_type(fake: Fake) -> None:
    ref = MediaRef(media_id="1234", content_type="application/pdf", filename="invoice.pdf")
    media = WhatsAppApi(fake.url, http()).fetch_media(ref, SECRETS)
    assert (media.filename, media.content_type) == ("invoice.pdf", "application/pdf")


def test_whatsapp_refusals_are_provider_http_errors(fake: Fake) -> None:
    with pytest.raises(ProviderHttpError) as refused:
        WhatsAppApi(fake.url, http()).send(OutboundText("not a number", "hello"), SECRETS)
    assert refused.value.status == 400
    assert "OAuthException" in refused.value.body
    assert not refused.value.retryable
    assert fake.recorded() == []


def test_whatsapp_ids_are_quoted_into_the_path(fake: Fake) -> None:
    with pytest.raises(ProviderHttpError) as refused:
        WhatsAppApi(fake.url, http()).fetch_media(MediaRef(media_id="../me/messages"), SECRETS)
    assert refused.value.status == 404  # one path segment "..%2Fme%2Fmessages": no route, no traversal
    assert fake.recorded() == []


def test_an_answer_without_a_message_id_is_an_error(fake: Fake) -> None:
    with pytest.raises(ProviderHttpError, match=r"messages\.0\.id"):
        WhatsAppApi(f"{fake.url}/no-ids", http()).send(OutboundText("+393331234567", "hi"), SECRETS)


# --- Messenger and Instagram ----------------------------------------------------------------------------


def test_messenger_replies_through_the_send_api(fake: Fake) -> None:
    external_id = MessengerApi(fake.url, http()).send(OutboundText("6543210987654321", "Ciao!"), SECRETS)
    assert external_id.startswith("m_")
    [sent] = fake.recorded()
    assert (sent["provider"], sent["action"], sent["path"]) == (
        "messenger",
        "send_message",
        "/v21.0/me/messages",
    )
    assert sent["payload"] == {
        "recipient": {"id": "6543210987654321"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Ciao!"},
    }


def test_instagram_replies_without_messaging_type_and_within_1000_bytes(fake: Fake) -> None:
    text = "è" * 700  # 1400 bytes of UTF-8: two messages
    external_id = InstagramApi(fake.url, http()).send(OutboundText("17841400000000001", text), SECRETS)
    assert external_id.startswith("m_")
    sent = fake.recorded()
    assert [entry["provider"] for entry in sent] == ["instagram", "instagram"]
    assert [entry["payload"]["recipient"] for entry in sent] == [{"id": "17841400000000001"}] * 2
    assert "".join(entry["payload"]["message"]["text"] for entry in sent) == text
    assert all(len(entry["payload"]["message"]["text"].encode()) <= 1000 for entry in sent)


@pytest.mark.parametrize(
    ("api", "path", "provider", "name"),
    [
        (MessengerApi, "/fbcdn/v/t1.15752-9/photo_n.png?_nc_cat=1&oh=abc", "messenger", "photo_n.png"),
        (
            InstagramApi,
            "/ig_messaging_cdn/?asset_id=17900000000000001&signature=x",
            "instagram",
            "attachment.png",
        ),
    ],
)
def test_attachments_are_downloaded_from_their_url(
    fake: Fake, api: type[MessengerApi], path: str, provider: str, name: str
) -> None:
    media = api(fake.url, http()).fetch_media(MediaRef(url=fake.url + path), SECRETS)
    assert media == FetchedMedia(TINY_PNG, "image/png", name)
    [download] = fake.recorded()
    assert (download["provider"], download["action"]) == (provider, "media_download")


@pytest.mark.parametrize("api", [MessengerApi, InstagramApi])
def test_the_token_never_goes_to_an_attachment_s_host(fake: Fake, api: type[MessengerApi]) -> None:
    api(fake.url, http()).fetch_media(MediaRef(url=f"{fake.url}/test-cdn/a.png"), SECRETS)
    [headers] = SEEN_HEADERS
    assert "Authorization" not in headers
    assert "test-page-token" not in str(headers)
    assert "test-access-token" not in str(headers)


def test_messenger_refusals_are_provider_http_errors(fake: Fake) -> None:
    with pytest.raises(ProviderHttpError) as refused:
        MessengerApi(fake.url, http()).send(OutboundText("", "hello"), SECRETS)
    assert refused.value.status == 400
    assert '"code": 100' in refused.value.body


def test_the_fake_refuses_what_graph_refuses(fake: Fake) -> None:
    client = http()
    url = f"{fake.url}/v21.0/me/messages"
    body = {"recipient": {"id": "1"}, "messaging_type": "RESPONSE", "message": {"text": "x"}}
    cases: list[tuple[Mapping[str, str], Any, int]] = [
        ({}, body, 400),  # no token
        ({"Authorization": "Bearer a b"}, body, 401),
        ({"Authorization": "Bearer t"}, {**body, "messaging_type": "LATER"}, 400),
        ({"Authorization": "Bearer t"}, {**body, "message": {"text": "x" * 2001}}, 400),
        ({"Authorization": "Bearer t"}, [body], 400),
    ]
    for headers, json_body, status in cases:
        with pytest.raises(ProviderHttpError) as refused:
            client.request("POST", url, headers=headers, json_body=json_body)
        assert refused.value.status == status, (headers, json_body)
    with pytest.raises(ProviderHttpError):
        client.request("GET", f"{fake.url}/whatsapp_business/attachments/?mid=1")  # media needs the token
    assert fake.recorded() == []


# --- defaults: the real hosts ----------------------------------------------------------------------------


class CapturingHttp(HttpClient):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method: str, url: str, **_: Any) -> HttpResponse:
        self.urls.append(url)
        return HttpResponse(200, {}, b'{"messages": [{"id": "wamid.X"}], "message_id": "m_X"}')


@pytest.mark.parametrize(
    ("api", "url"),
    [
        (WhatsAppApi, "https://graph.facebook.com/v21.0/100000000000001/messages"),
        (MessengerApi, "https://graph.facebook.com/v21.0/me/messages"),
        (InstagramApi, "https://graph.instagram.com/v21.0/me/messages"),
    ],
)
def test_without_a_base_url_the_clients_call_meta(api: type[WhatsAppApi], url: str) -> None:
    capturing = CapturingHttp()
    api(http=capturing).send(OutboundText("+393331234567", "hi"), SECRETS)
    assert capturing.urls == [url]


@pytest.mark.parametrize(
    ("text", "limit", "pieces"),
    [
        ("", 10, [""]),
        ("short", 10, ["short"]),
        ("ab cd ef gh", 5, ["ab cd", "ef gh"]),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),
        ("one line\nand another", 12, ["one line", "and another"]),
    ],
)
def test_split_text_cuts_at_spaces_and_never_exceeds_the_limit(
    text: str, limit: int, pieces: list[str]
) -> None:
    assert split_text(text, limit) == pieces


def test_split_text_pieces_fit_and_lose_nothing_but_whitespace_at_the_cuts() -> None:
    rng = random.Random(3)
    for _ in range(500):
        text = "".join(rng.choice("ab è\n") for _ in range(rng.randint(0, 300)))
        limit = rng.randint(4, 40)
        pieces = split_text(text, limit, lambda piece: len(piece.encode()))
        assert all(len(piece.encode()) <= limit for piece in pieces), (text, limit, pieces)
        assert "".join("".join(piece.split()) for piece in pieces) == "".join(text.split())
