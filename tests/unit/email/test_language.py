"""Language detection from function words, reliable on the two-line messages customers send."""

from __future__ import annotations

import pytest

from sportello.language import SUPPORTED_LANGUAGES, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Buongiorno, non riesco ad accedere al mio account", "it"),
        ("Hi, I can't log in to my account", "en"),
        ("Salve, il pacco non è ancora arrivato. Potete controllare?", "it"),
        ("Ciao, ho un problema con l'ordine che ho fatto ieri", "it"),
        ("Dov'è il mio ordine?", "it"),
        ("Where is my order? I paid last week.", "en"),
        ("The parcel has not arrived yet, could you check please?", "en"),
        ("Hola, no puedo acceder a mi cuenta desde ayer. Gracias", "es"),
        ("Bonjour, je ne peux pas accéder à mon compte depuis hier. Merci", "fr"),
        ("Hallo, ich kann mich seit gestern nicht in mein Konto einloggen. Danke", "de"),
        ("Olá, não consigo acessar a minha conta desde ontem. Obrigado", "pt"),
        ("BUONGIORNO, NON RIESCO AD ACCEDERE AL MIO ACCOUNT", "it"),
        ("Buongiorno,\nvorrei sapere quando arriva il mio ordine.\nGrazie, cordiali saluti", "it"),
    ],
)
def test_short_messages_are_recognised(text: str, language: str) -> None:
    assert detect_language(text) == language


@pytest.mark.parametrize(
    "text", ["", "ok", "Grazie", "12345 !!!", "https://example.com/orders/1234", "Mario Rossi"]
)
def test_short_or_meaningless_text_gives_the_default(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, default="it") == "it"


def test_text_mixing_two_languages_evenly_gives_the_default() -> None:
    assert detect_language("Ciao, thanks for the help, grazie per l'aiuto", default="xx") == "xx"


def test_only_english_and_italian_are_answered_in() -> None:
    assert SUPPORTED_LANGUAGES == ("en", "it")
