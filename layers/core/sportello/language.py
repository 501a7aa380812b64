"""Which language a customer wrote in, from the function words they used (no third-party model)."""

from __future__ import annotations

import re

SUPPORTED_LANGUAGES = ("en", "it")
"""Languages the desk answers in; ``detect_language`` can name others, which callers map to their default."""

_MIN_SCORE = 2
_MIN_LEAD = 1.5
"""The winner needs this many times the runner-up's score; closer calls are ambiguous."""
_MAX_WORDS = 400

# Frequent words of each language, plus the greetings and thanks that open and close support mail.
# Words shared by several languages may appear in several lists: they then cancel out.
_STOP_WORDS = {
    "it": """
        il lo la le gli un una uno di del della dei delle dello degli al alla allo ai alle dal dalla nel
        nella nei nelle sul sulla con per tra fra che chi non come anche ma perché perche quando dove
        sono sei è e ed ho hai ha abbiamo avete hanno essere stato stata mio mia miei mie tuo tua suo sua
        nostro vostro questo questa questi quello quella più piu molto ancora già gia poi ad se ci vi ne
        mi ti si io tu lui lei noi voi loro riesco posso può puo vorrei grazie buongiorno buonasera salve
        ciao cordiali saluti gentile distinti prego accedere allego ordine
    """,
    "en": """
        the a an of to in and or but is are was were be been being have has had do does did not no i
        you he she we they it my your our their this that these those with for on at by from as can
        can't cannot couldn't don't doesn't didn't won't i'm i've it's there here what which who when
        where why how would could should will please thanks thank hi hello dear regards kind best
        sincerely order
    """,
    "es": """
        el la los las un una unos unas de del al y o pero que es son está están estoy fue ser tengo
        tiene tienen no sí si mi mis tu su sus nuestro con por para en como cuando donde porque muy más
        ya hola gracias saludos buenos buenas días estimado estimada cordialmente puedo quiero pedido
        cuenta acceder
    """,
    "fr": """
        le la les un une des du de au aux et ou mais que qui est sont était être ai as avons avez ont
        ne pas plus je tu il elle nous vous ils elles mon ma mes ton ta son sa ses notre votre leur ce
        cette ces avec pour dans sur par comme quand où parce très bonjour bonsoir merci cordialement
        madame monsieur veuillez puis commande compte
    """,
    "de": """
        der die das den dem des ein eine einen einem einer und oder aber ist sind war waren sein habe
        hat haben nicht kein keine ich du er sie es wir ihr mein meine dein sein unser euer mit für auf
        von zu im am bei aus nach wie wann wo warum sehr auch noch schon bitte danke hallo guten tag
        grüße grüßen freundlichen sehr geehrte geehrter kann können bestellung konto
    """,
    "pt": """
        o a os as um uma uns umas de do da dos das ao à no na nos nas e ou mas que é são está estão
        estou foi ser tenho tem têm não sim meu minha meus minhas seu sua com por para em como quando
        onde porque muito mais já olá obrigado obrigada bom dia boa tarde prezado prezada atenciosamente
        posso quero pedido conta você
    """,
}
_WORDS = {language: frozenset(words.split()) for language, words in _STOP_WORDS.items()}
_APOSTROPHE = "\u2019"  # typographic apostrophe, as phones and word processors type it
_TOKEN = re.compile(rf"[^\W\d_]+(?:['{_APOSTROPHE}][^\W\d_]+)*")


def detect_language(text: str, default: str = "en") -> str:
    """ISO 639-1 code of ``text`` among it, en, es, fr, de, pt; ``default`` when short or ambiguous."""
    tokens = _tokens(text)
    scores = sorted(((_score(tokens, words), language) for language, words in _WORDS.items()), reverse=True)
    (best, language), (runner_up, _other) = scores[0], scores[1]
    if best < _MIN_SCORE or best < runner_up * _MIN_LEAD:
        return default
    return language


def _tokens(text: str) -> list[str]:
    """Lower-cased words; elisions ("l'account", "j'ai") count both as a whole and as their parts."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group().replace(_APOSTROPHE, "'")
        tokens.append(word)
        if "'" in word:
            tokens.extend(word.split("'"))
        if len(tokens) >= _MAX_WORDS:
            break
    return tokens


def _score(tokens: list[str], words: frozenset[str]) -> int:
    return sum(token in words for token in tokens)
