"""The ``schedule_callback`` node: a callback booked in the IVR for one of the next slots.

Like the IVR's other nodes, a generator that yields steps (``ivr.steps``) and receives
their results, stepped with no loop in the tests::

    intro      "To book a call back in the service's opening hours, choose when." (or the
               node's own ``prompt``); a key pressed during any phrase is taken at once
    slots      the service's next opening ranges (``ivr.calendar.next_slots``), one per day
               and part of the day, each said with its key: "Tomorrow morning, press 1.
               Monday afternoon, press 2." (today, tomorrow, the weekday up to six days
               ahead; further, the date in Asterisk's sounds, then "in the morning")
    choice     a slot's key; another key: "not a valid choice", or none: the slots again;
               ``TRIES`` rounds, then ``fallback``
    number     the caller's own read back and confirmed, or one keyed, valid as the offer
               in the queue takes it (``callback_offer.number_dialogue``: ``phonenumbers``
               and the service's trunk); none taken: "not booked", ``fallback``
    booking    ``ScheduleCallback`` (the engine's ``CallbackScheduled``, entering the queue
               at the slot's start), answered:
                 scheduled        "booked, goodbye", ``Hangup(callback-scheduled)``
                 already-pending  "one is already booked for this number", ``fallback``
                 bad-time         "that time is no longer free", the slots again (from
                                  now), the number kept
                 refused          "not booked", ``fallback``

The phrases are whole sentences, or a slot's words and its key, synthesised at start like
the callback offer's (``schedule_texts``, into ``sounds/{lang}/schedule/``). A slot starts
"in the afternoon" from ``ivr.calendar.AFTERNOON_FROM``.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from zoneinfo import ZoneInfo

from ivr import steps as s
from ivr.calendar import Hours, Slot, next_slots
from ivr.callback_offer import TRIES, number_dialogue
from ivr.model import MAX_SLOTS, ScheduleCallbackNode
from ivr.walk import Context, Walk

FOLDER = "schedule"
OUTCOME = "callback-scheduled"  # the IVR contact's outcome once its callback is booked
DAYS_BY_NAME = 6  # a slot up to six days ahead is said by its weekday; further, by its date
LOOK_FURTHER = 3  # ranges read per slot offered: two ranges of one morning are one slot
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LANGUAGES = ("it", "en")

NodeFlow = Generator[s.Step, s.Result, str | None]
Choice = Generator[s.Step, s.Result, Slot | None]

_DAY_WORDS = {
    "it": {"today": ("Questa mattina", "Oggi pomeriggio"),
           "tomorrow": ("Domani mattina", "Domani pomeriggio"),
           **{day: (f"{name} mattina", f"{name} pomeriggio") for day, name in zip(
               WEEKDAYS, ("Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì", "Sabato",
                          "Domenica"), strict=True)}},
    "en": {"today": ("This morning", "This afternoon"),
           "tomorrow": ("Tomorrow morning", "Tomorrow afternoon"),
           **{day: (f"{day.title()} morning", f"{day.title()} afternoon") for day in WEEKDAYS}},
}  # fmt: skip
PHRASES = {
    "it": {
        "intro": "Per prenotare una richiamata in un orario di apertura del servizio, "
        "scegliete quando essere richiamati.",
        "morning": "in mattinata,",
        "afternoon": "nel pomeriggio,",
        "press": "premete {key}.",
        "invalid-choice": "Scelta non valida.",
        "no-slots": "Non ci sono orari disponibili per una richiamata nei prossimi giorni.",
        "slot-gone": "L'orario scelto non è più disponibile.",
        "booked": "Grazie. La richiamata è prenotata: vi chiameremo nell'orario scelto, al "
        "numero indicato. Arrivederci.",
        "already-booked": "Per questo numero è già prenotata una richiamata: vi chiameremo "
        "come previsto.",
        "not-taken": "Non è stato possibile prenotare la richiamata.",
    },
    "en": {
        "intro": "To book a call back in the service's opening hours, choose when we should "
        "call you.",
        "morning": "in the morning,",
        "afternoon": "in the afternoon,",
        "press": "press {key}.",
        "invalid-choice": "That is not a valid choice.",
        "no-slots": "There is no time free for a call back in the next days.",
        "slot-gone": "The time you chose is no longer free.",
        "booked": "Thank you. Your call back is booked: we will call you at the time you "
        "chose, on the number you gave. Goodbye.",
        "already-booked": "A call back is already booked for this number: we will call you "
        "as planned.",
        "not-taken": "We could not book the call back.",
    },
}


def prompt(name: str) -> str:
    return f"{FOLDER}/{name}"


def schedule_texts() -> list[tuple[str, str, str]]:
    """Every phrase in every language: (language, prompt name, text)."""
    found = []
    for lang in LANGUAGES:
        words = PHRASES[lang]
        found += [(lang, prompt(name), text) for name, text in words.items() if name != "press"]
        found += [(lang, prompt(f"press-{key}"), words["press"].format(key=key))
                  for key in range(1, MAX_SLOTS + 1)]  # fmt: skip
        for day, (morning, afternoon) in _DAY_WORDS[lang].items():
            found += [(lang, prompt(f"{day}-morning"), f"{morning},"),
                      (lang, prompt(f"{day}-afternoon"), f"{afternoon},")]  # fmt: skip
    return found


def offered_slots(hours: Hours, now: datetime, count: int, tz: ZoneInfo) -> list[Slot]:
    """The next ``count`` slots, one per day and part of the day (a morning of two ranges
    is one slot: its first)."""
    found: list[Slot] = []
    seen: set[tuple[object, str]] = set()
    for slot in next_slots(hours, now, count * LOOK_FURTHER):
        said = (slot.start.astimezone(tz).date(), slot.part_of_day(tz))
        if said not in seen:
            seen.add(said)
            found.append(slot)
        if len(found) == count:
            break
    return found


def slot_words(slot: Slot, now: datetime, tz: ZoneInfo) -> list[s.Step]:
    """How a slot is said, before its key: "Tomorrow morning," or the date, "in the
    morning,"."""
    start, part = slot.start.astimezone(tz), slot.part_of_day(tz)
    ahead = (start.date() - now.astimezone(tz).date()).days
    if ahead > DAYS_BY_NAME:
        return [s.SayTime(slot.start, "date"), s.Play(prompt(part), s.DTMF)]
    day = "today" if ahead <= 0 else "tomorrow" if ahead == 1 else WEEKDAYS[start.weekday()]
    return [s.Play(prompt(f"{day}-{part}"), s.DTMF)]


def schedule_dialogue(ctx: Context, node: ScheduleCallbackNode, walk: Walk) -> NodeFlow:
    """The node's dialogue: see the module's docstring."""
    calendar = ctx.calendar(node)
    intro: str | None = node.prompt or prompt("intro")
    number: str | None = None
    for _ in range(TRIES):
        slot = yield from _choose(node, calendar, calendar.tz, ctx.clock(), intro, walk)
        if slot is None:
            return node.fallback
        intro = None
        if number is None:
            number = yield from number_dialogue(
                walk.caller, lambda typed: ctx.dialable(node.service, typed)
            )
        if number is None:
            return (yield from _not_booked(node, walk, "fallback", "not-taken"))
        answer = _text((yield s.ScheduleCallback(node.service, number, slot.start)))
        if answer == s.BOOKED:
            walk.noted(result="scheduled")
            yield s.Play(prompt("booked"))
            yield s.Hangup(OUTCOME)
            return None
        if answer != s.BAD_TIME:
            phrase = "already-booked" if answer == s.ALREADY_BOOKED else "not-taken"
            return (yield from _not_booked(node, walk, answer or s.REFUSED, phrase))
        yield s.Play(prompt("slot-gone"))
    walk.noted(result="fallback")
    return node.fallback


def _choose(
    node: ScheduleCallbackNode, hours: Hours, tz: ZoneInfo, now: datetime, intro: str | None,
    walk: Walk,
) -> Choice:  # fmt: skip
    slots = offered_slots(hours, now, node.slots, tz)
    if not slots:
        walk.noted(result="no-slots")
        yield s.Play(prompt("no-slots"))
        return None
    for attempt in range(TRIES):
        key = yield from _offer(slots, now, tz, intro if attempt == 0 else None, node.timeout)
        if key.isdigit() and 1 <= int(key) <= len(slots):
            walk.noted(entered=key)
            return slots[int(key) - 1]
        if key:
            yield s.Play(prompt("invalid-choice"))
    walk.noted(result="fallback")
    return None


def _offer(
    slots: list[Slot], now: datetime, tz: ZoneInfo, intro: str | None, timeout: float
) -> Generator[s.Step, s.Result, str]:
    """Say the slots with their keys; the key pressed (during a phrase, or after the last
    within ``timeout``), or ""."""
    said: list[s.Step] = [s.Play(intro, s.DTMF)] if intro else []
    for key, slot in enumerate(slots, 1):
        said += slot_words(slot, now, tz)
        if key < len(slots):
            said.append(s.Play(prompt(f"press-{key}"), s.DTMF))
    for step in said:
        key_pressed = _text((yield step))
        if key_pressed:
            return key_pressed
    return _text((yield s.Collect(prompt(f"press-{len(slots)}"), timeout)))


def _not_booked(
    node: ScheduleCallbackNode, walk: Walk, result: str, phrase: str
) -> Generator[s.Step, s.Result, str]:
    walk.noted(result=result)
    yield s.Play(prompt(phrase))
    return node.fallback


def _text(result: s.Result) -> str:
    return result if isinstance(result, str) else ""
