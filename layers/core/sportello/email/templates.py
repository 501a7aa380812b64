"""Texts of the mails Sportello writes itself, per language (English is the fallback)."""

from __future__ import annotations

from string import Template

ACKNOWLEDGEMENT_SUBJECT = {
    "en": Template("We received your request: $subject"),
    "it": Template("Abbiamo ricevuto la tua richiesta: $subject"),
}

ACKNOWLEDGEMENT_BODY = {
    "en": Template(
        "Hello $name,\n\n"
        "thank you for writing to us. Your request has been received and is now ticket #$number.\n"
        "One of our agents will answer you as soon as possible.\n\n"
        "To add anything, just reply to this email.\n\n"
        "$desk\n"
    ),
    "it": Template(
        "Gentile $name,\n\n"
        "grazie per averci scritto. Abbiamo ricevuto la tua richiesta, registrata come ticket #$number.\n"
        "Un nostro operatore ti risponderà il prima possibile.\n\n"
        "Per aggiungere altre informazioni, rispondi semplicemente a questa email.\n\n"
        "$desk\n"
    ),
}


def localised(templates: dict[str, Template], language: str) -> Template:
    return templates.get(language, templates["en"])
