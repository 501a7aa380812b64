"""TelegramApi against the fake Telegram Bot API of the local cloud, served over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.local.fake_providers.telegram import ROUTES, TINY_PNG
from sportello.adapters.providers.telegram import MAX_TEXT_UNITS, TelegramApi, split_text
from sportello.providers.webhook import MediaRef, OutboundText, ProviderHttpError, ProviderSecrets
from tests.integration.providers.served_fake import ServedFake

BOT_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRETS = ProviderSecrets({"bot_token": BOT_TOKEN, "secret_token": "unused-here"})


@pytest.fixture(scope="module")
def served() -> Iterator[ServedFake]:
    with ServedFake(ROUTES) as fake:
        yield fake


@pytest.fixture
def telegram(served: ServedFake) -> ServedFake:
    served.forget()
    return served


@pytest.fixture
def api(telegram: ServedFake) -> TelegramApi:
    return TelegramApi(telegram.base_url)


def test_a_reply_is_sent_to_the_chat_and_known_by_chat_and_message_id(
    api: TelegramApi, telegram: ServedFake
) -> None:
    external_id = api.send(OutboundText("111111", "Buongiorno, ecco la risposta."), SECRETS)
    [sent] = telegram.recorded("sendMessage")
    assert sent["path"] == f"/bot{BOT_TOKEN}/sendMessage"
    assert sent["payload"] == {"chat_id": 111111, "text": "Buongiorno, ecco la risposta."}
    assert external_id == f"111111:{sent['seq']}"


def test_a_reply_to_a_message_of_the_chat_quotes_it(api: TelegramApi, telegram: ServedFake) -> None:
    api.send(OutboundText("111111", "Sì.", reply_to_external_id="111111:5"), SECRETS)
    api.send(OutboundText("111111", "No.", reply_to_external_id="999:5"), SECRETS)  # another chat's
    quoted, unquoted = (entry["payload"] for entry in telegram.recorded("sendMessage"))
    assert quoted["reply_parameters"] == {"message_id": 5, "allow_sending_without_reply": True}
    assert "reply_parameters" not in unquoted


def test_a_text_longer_than_telegram_allows_goes_in_several_messages(
    api: TelegramApi, telegram: ServedFake
) -> None:
    paragraph = "Passo " + "x" * 1000
    text = "\n".join([paragraph] * 6)
    external_id = api.send(OutboundText("111111", text, reply_to_external_id="111111:5"), SECRETS)
    sent = telegram.recorded("sendMessage")
    assert len(sent) == 2
    assert "\n".join(entry["payload"]["text"] for entry in sent) == text
    assert "reply_parameters" not in sent[1]["payload"]
    assert external_id == f"111111:{sent[0]['seq']}"


def test_media_is_located_with_get_file_then_downloaded(api: TelegramApi, telegram: ServedFake) -> None:
    fetched = api.fetch_media(MediaRef(media_id="photofileid3"), SECRETS)
    get_file, download = telegram.recorded()
    assert (get_file["action"], get_file["payload"]) == ("getFile", {"file_id": "photofileid3"})
    assert download["path"] == f"/file/bot{BOT_TOKEN}/photos/file_{get_file['seq']}.png"
    assert fetched.content == TINY_PNG
    # The file server says application/octet-stream; the file's extension knows better.
    assert (fetched.content_type, fetched.filename) == ("image/png", f"file_{get_file['seq']}.png")


def test_the_updates_own_type_and_name_win(api: TelegramApi) -> None:
    media = MediaRef(media_id="documentfileid", content_type="application/pdf", filename="document.pdf")
    fetched = api.fetch_media(media, SECRETS)
    assert (fetched.content_type, fetched.filename) == ("application/pdf", "document.pdf")


def test_a_refused_send_is_an_error_that_does_not_leak_the_token(
    api: TelegramApi, telegram: ServedFake
) -> None:
    with pytest.raises(ProviderHttpError) as refused:
        api.send(OutboundText("not-a-chat", "Ciao"), SECRETS)
    assert refused.value.status == 400
    assert not refused.value.retryable
    assert "chat not found" in refused.value.body
    assert BOT_TOKEN not in str(refused.value)
    assert telegram.recorded() == []


def test_a_wrong_token_and_an_unknown_file_are_errors(api: TelegramApi) -> None:
    with pytest.raises(ProviderHttpError) as unauthorized:
        api.send(OutboundText("111111", "Ciao"), ProviderSecrets({"bot_token": "not-a-token"}))
    assert unauthorized.value.status == 401
    with pytest.raises(ProviderHttpError) as invalid:
        api.fetch_media(MediaRef(media_id="!?"), SECRETS)
    assert (invalid.value.status, BOT_TOKEN in str(invalid.value)) == (400, False)


def test_split_text_counts_utf16_units_and_cuts_at_line_breaks() -> None:
    assert split_text("ciao") == ["ciao"]
    emoji = "😀" * 3000  # 6000 UTF-16 units in 3000 characters
    chunks = split_text(emoji)
    assert [len(chunk) for chunk in chunks] == [MAX_TEXT_UNITS // 2, 3000 - MAX_TEXT_UNITS // 2]
    lines = split_text("a" * 10 + "\n" + "b" * 10, limit=15)
    assert lines == ["a" * 10, "b" * 10]
