"""The IVR's sounds to build: which texts become which prompt files, in which language.

The center's prompts (``prompts:``, ``ivr.model.Prompt``) become ``{prompt}`` under each
language's sounds, every phrase the queue announcement can choose (``ivr.wording``)
``announce/{phrase}``, the callback offer's (``ivr.callback_offer``) ``callback/{phrase}``,
and the scheduled callback's (``ivr.schedule_callback``) ``schedule/{phrase}``.
``acd.asterisk.prompts`` synthesises them (espeak-ng, sox) into the Asterisk instance's
``sounds/{lang}/``, where ``prompt_path`` finds them by these names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ivr import callback_offer, schedule_callback, wording
from ivr.model import Prompt

LANGUAGES = ("it", "en")  # the languages a prompt has a text in (``Prompt.it``, ``Prompt.en``)


@dataclass(frozen=True, slots=True)
class SoundText:
    """A text to speak into a sound file: ``name`` under ``sounds/{language}/``."""

    language: str
    name: str
    text: str | None  # None: the prompt has no text in this language, so no file


def prompt_texts(prompts: Mapping[str, Prompt]) -> list[SoundText]:
    """Every prompt in every language, by name."""
    return [SoundText(lang, name, getattr(prompt, lang))
            for name, prompt in sorted(prompts.items()) for lang in LANGUAGES]  # fmt: skip


def announcement_texts() -> list[SoundText]:
    """Every phrase of the queue announcement, in every language it is worded in."""
    return [SoundText(lang, phrase.prompt, phrase.text)
            for lang in wording.LANGUAGES for phrase in wording.every_phrase(lang)]  # fmt: skip


def callback_offer_texts(keys: Iterable[str]) -> list[SoundText]:
    """Every phrase of the callback offer, with an offer naming each key services use."""
    return [SoundText(lang, phrase.prompt, phrase.text)
            for lang, phrase in callback_offer.callback_texts(keys)]  # fmt: skip


def schedule_texts() -> list[SoundText]:
    """Every phrase of the ``schedule_callback`` node, in every language."""
    return [SoundText(lang, name, text)
            for lang, name, text in schedule_callback.schedule_texts()]  # fmt: skip
