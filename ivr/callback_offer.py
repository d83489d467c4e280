"""The callback offer in the music loop: a dialogue that takes the number to call back.

The queue's announcement (``ivr.announce``) runs ``offer_dialogue`` when the caller's
service offers callbacks and its threshold is passed. Like the IVR's nodes, it is a
generator that yields steps (``ivr.steps``: ``Collect``, ``Play``, ``SayDigits``) and
receives their results; it returns the number to call (as the trunk dials it), or None: the
caller stays in line, nothing lost::

    offer          "To be called back keeping your place in line, press 1."  (other key,
                   or none: None, the music goes on)
    the caller's   a valid number the trunk may dial: read back, "press 1 to confirm, 2 to
    number         key another one"; withheld or not valid: straight to keying
    keying         "key the number, then hash"; not valid: "that is not a valid number",
                   asked again; read back and confirmed as above
    at most        ``TRIES`` answers that lead nowhere (a wrong key, silence, a bad number):
                   "we could not take your number, please stay on the line", None

A number is valid when ``phonenumbers`` finds it a possible, valid Italian number (keyed
as in Italy: 059..., 3...) or an international one (00 and its country code), and the
trunk's ``allowed`` (its outbound patterns) takes one of its forms: the national digits for
an Italian number, else ``+`` and the international digits, or ``00`` and them.

The phrases are whole sentences synthesised at build time like the queue announcement's
(``callback_texts``, into ``sounds/{lang}/callback/``); the offer names its key, one file
per key a service uses.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass

import phonenumbers

from ivr import steps as s

FOLDER = "callback"
TRIES = 3  # answers that lead nowhere before the caller is left waiting in line
OFFER_SECONDS = 4.0  # the offer's key is awaited this long after the prompt
ANSWER_SECONDS = 6.0
NUMBER_SECONDS = 12.0
MAX_DIGITS = 16  # 00 + a country code + at most 15 digits (E.164), then #
CONFIRM, OTHER = "1", "2"
LANGUAGES = ("it", "en")

Allowed = Callable[[str], bool]  # the trunk may dial this form of the number
Dialogue = Generator[s.Step, s.Result, str | None]

_KEY_NAMES = {
    "it": {"*": "asterisco", "#": "cancelletto"},
    "en": {"*": "star", "#": "hash"},
}
PHRASES = {
    "it": {
        "offer": "Per essere richiamati senza perdere il vostro posto in coda, premete {key}.",
        "your-number": "Vi richiameremo al numero",
        "confirm": "Per confermare premete 1. Per indicare un altro numero premete 2.",
        "key-number": "Digitate il numero al quale volete essere richiamati, seguito dal "
        "cancelletto.",
        "invalid-number": "Il numero digitato non è valido.",
        "confirmed": "Grazie. Sarete richiamati appena sarà il vostro turno, negli orari di "
        "apertura del servizio. Arrivederci.",
        "not-taken": "Non è stato possibile registrare il numero. Restate in linea: la vostra "
        "chiamata mantiene il suo posto.",
    },
    "en": {
        "offer": "To be called back without losing your place in line, press {key}.",
        "your-number": "We will call you back on",
        "confirm": "To confirm, press 1. To give another number, press 2.",
        "key-number": "Key the number to call you back on, followed by the hash key.",
        "invalid-number": "That number is not valid.",
        "confirmed": "Thank you. We will call you back when your turn comes, in the service's "
        "opening hours. Goodbye.",
        "not-taken": "We could not take your number. Please stay on the line: your call keeps "
        "its place.",
    },
}


@dataclass(frozen=True, slots=True)
class Phrase:
    name: str  # under sounds/{lang}/callback/
    text: str

    @property
    def prompt(self) -> str:
        return f"{FOLDER}/{self.name}"


def prompt(name: str) -> str:
    return f"{FOLDER}/{name}"


def offer_prompt(key: str) -> str:
    return prompt(f"offer-{_key_file(key)}")


def callback_texts(keys: Iterable[str]) -> list[tuple[str, Phrase]]:
    """Every phrase in every language, with an offer for each key in ``keys``."""
    found = []
    for lang in LANGUAGES:
        words = PHRASES[lang]
        found += [(lang, Phrase(name, text)) for name, text in words.items() if name != "offer"]
        for key in sorted(set(keys)):
            said = _KEY_NAMES[lang].get(key, key)
            found.append((lang, Phrase(f"offer-{_key_file(key)}",
                                       words["offer"].format(key=said))))  # fmt: skip
    return found


def _key_file(key: str) -> str:
    return {"*": "star", "#": "hash"}.get(key, key)


def callback_number(typed: str, allowed: Allowed) -> str | None:
    """The form of ``typed`` (as keyed, or a caller id) the trunk dials, or None when it is
    not a valid Italian or international number or the trunk takes none of its forms."""
    return next((form for form in dial_forms(typed) if allowed(form)), None)


def dial_forms(typed: str) -> list[str]:
    """The forms a trunk may dial ``typed`` in (digits, an optional leading +): an Italian
    number's national digits first, then + and 00 with the international digits; none when
    ``phonenumbers`` finds it no valid Italian or international number."""
    digits = typed.strip()
    if not digits.lstrip("+").isdigit() or len(digits) > MAX_DIGITS + 1:
        return []
    try:
        number = phonenumbers.parse(digits, "IT")
    except phonenumbers.NumberParseException:
        return []
    if not phonenumbers.is_valid_number(number):
        return []
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    forms = [e164, "00" + e164[1:]]
    if number.country_code == 39:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        forms.insert(0, "".join(ch for ch in national if ch.isdigit()))
    return forms


def offer_dialogue(key: str, caller: str, allowed: Allowed) -> Dialogue:
    """The offer, then the number: see the module's docstring."""
    answer = _text((yield s.Collect(offer_prompt(key), OFFER_SECONDS)))
    if answer != key:
        return None
    number = yield from number_dialogue(caller, allowed)
    if number is None:
        yield s.Play(prompt("not-taken"))
    return number


def number_dialogue(caller: str, allowed: Allowed) -> Dialogue:
    """The number to call back: the caller's own read back and confirmed, or one keyed
    (withheld, not valid, or the caller wants another), at most ``TRIES`` answers that
    lead nowhere; None then, with nothing said (the caller of this says what follows).
    The scheduled callback's node (``ivr.schedule_callback``) asks it the same way."""
    number = callback_number(caller, allowed)
    tries = 0
    while tries < TRIES:
        if number is None:
            typed = _text((yield s.Collect(prompt("key-number"), NUMBER_SECONDS, MAX_DIGITS)))
            number = callback_number(typed, allowed)
            if number is None:
                tries += 1
                if typed:
                    yield s.Play(prompt("invalid-number"))
                continue
        yield s.Play(prompt("your-number"))
        yield s.SayDigits(number.lstrip("+"), as_number=False)
        choice = _text((yield s.Collect(prompt("confirm"), ANSWER_SECONDS)))
        if choice == CONFIRM:
            return number
        if choice == OTHER:
            number = None
        tries += 1
    return None


def _text(result: s.Result) -> str:
    return result if isinstance(result, str) else ""
