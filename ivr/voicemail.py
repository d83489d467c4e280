"""The voicemail a queue's overflow offers: the IVR's ``message`` node, run on its own.

When a limit's action is ``voicemail``, the core ends the contact (outcome ``voicemail``)
and the AMI adapter redirects the caller to the dialplan's ``centralino-overflow,voicemail``,
which runs ``AGI(agi://.../voicemail,PROMPT,SECONDS)``. ``voicemail_node`` turns those two
arguments into a message node; ``IvrRunner.serve_voicemail`` runs it as the IVR runs its
own: the prompt in the channel's language, a beep, ``RECORD FILE`` of at most SECONDS
(``#`` ends it early), and the recording handed to the back office as a ``voice_messages``
row with the call's id (the contact's) and the caller's number. Nothing is asked after the
recording: the caller, taken out of a queue, may simply hang up, and what was recorded is
kept.

Errors: ``VoicemailError`` for arguments that are not a known prompt and a length within
the message node's bounds (the engine sets them itself: a mismatch is a bug, or a dialplan
edited by hand).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from ivr.model import MESSAGE_SECONDS, MessageNode


class VoicemailError(ValueError):
    """The voicemail AGI's arguments are not a known prompt and a valid length."""


def voicemail_node(headers: Mapping[str, str], prompts: Collection[str]) -> MessageNode:
    """The message node the AGI arguments (``agi_arg_1`` prompt, ``agi_arg_2`` seconds) ask for."""
    prompt, seconds = headers.get("agi_arg_1", ""), headers.get("agi_arg_2", "")
    if prompt not in prompts:
        raise VoicemailError(f"unknown voicemail prompt {prompt!r}")
    low, high = MESSAGE_SECONDS
    if not seconds.isdigit() or not low <= int(seconds) <= high:
        raise VoicemailError(f"voicemail length {seconds!r} is not {low} to {high} seconds")
    return MessageNode(type="message", prompt=prompt, max_seconds=int(seconds), next="")
