"""Agent states as a transition table.

Theory of operation
-------------------
An agent is in exactly one state. Every change goes through ``next_state(state, move)``;
a move that is not in the table is illegal and raises ``IllegalMove`` (the caller turns that
into a clear error for the panel, never into a silent fix-up). The ACD only offers a call to
an agent in ``READY``; ``RINGING`` and ``ON_CALL`` hold exactly one call, so an agent can
never be given two calls. ``WRAP_UP`` ends by the service's timer or early by the agent
(``ready``), and may be extended once (``extend``: the engine refuses a second time).
``PAUSED`` carries a reason from the center's list (break, back office, ...) kept beside the
state. A ring not answered (``no_answer``) is "missed": the agent goes back to ``READY`` at
the back of the idle line, and after too many misses in a row the engine pauses the agent
(reason ``missed calls``). A pause asked for while ``RINGING`` or ``ON_CALL`` is not a move:
the engine keeps it aside and makes it when the call and its wrap-up are over.

    LOGGED_OUT --login--> PAUSED(login) --ready--> READY --offer--> RINGING --answer--> ON_CALL
    RINGING --no_answer--> READY (missed)                 ON_CALL --call_ended--> WRAP_UP
    WRAP_UP --wrap_up_done/ready--> READY     WRAP_UP --extend--> WRAP_UP (once)
    READY/WRAP_UP --pause--> PAUSED           RINGING --call_ended--> READY (caller left)
    PAUSED/READY/WRAP_UP --logout--> LOGGED_OUT
    ON_CALL --consult_ended--> READY (a colleague consulted it: no call of its own to wrap up)
    PAUSED/READY --take_back--> ON_CALL (after an engine restart: found talking in Asterisk)
    ON_CALL --not_reached--> READY (a callback's citizen did not answer: nothing to wrap up)
    READY --task--> ON_CALL (a voice message given to work in the panel: no phone rings)

A voice message is a task, not a call: nothing rings, so it skips ``RINGING`` and the agent
works it ``ON_CALL`` until it closes it; its end is ``call_ended`` and a wrap-up, as a call's.
"""

from __future__ import annotations

from enum import StrEnum


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RINGING = "ringing"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class Move(StrEnum):
    LOGIN = "login"
    LOGOUT = "logout"
    READY = "ready"
    PAUSE = "pause"
    OFFER = "offer"
    ANSWER = "answer"
    NO_ANSWER = "no_answer"
    CALL_ENDED = "call_ended"
    WRAP_UP_DONE = "wrap_up_done"
    EXTEND = "extend"
    CONSULT_ENDED = "consult_ended"
    TAKE_BACK = "take_back"
    NOT_REACHED = "not_reached"  # a callback's citizen did not answer: the agent is free
    TASK = "task"  # a voice message given to the agent to work in its panel


class IllegalMove(Exception):
    def __init__(self, state: AgentState, move: Move) -> None:
        super().__init__(f"cannot {move.value} while {state.value}")
        self.state = state
        self.move = move


S, M = AgentState, Move

TRANSITIONS: dict[tuple[AgentState, Move], AgentState] = {
    (S.LOGGED_OUT, M.LOGIN): S.PAUSED,
    (S.PAUSED, M.READY): S.READY,
    (S.PAUSED, M.PAUSE): S.PAUSED,  # change of reason
    (S.PAUSED, M.LOGOUT): S.LOGGED_OUT,
    (S.READY, M.PAUSE): S.PAUSED,
    (S.READY, M.READY): S.READY,
    (S.READY, M.LOGOUT): S.LOGGED_OUT,
    (S.READY, M.OFFER): S.RINGING,
    (S.RINGING, M.ANSWER): S.ON_CALL,
    (S.RINGING, M.NO_ANSWER): S.READY,  # missed: back of the idle line
    (S.RINGING, M.CALL_ENDED): S.READY,  # the caller left while the agent's phone rang
    (S.ON_CALL, M.CALL_ENDED): S.WRAP_UP,
    (S.ON_CALL, M.CONSULT_ENDED): S.READY,  # a colleague's consultation: no wrap-up
    # a restarted engine finds the agent talking (it came back logged in, not yet ringing)
    (S.PAUSED, M.TAKE_BACK): S.ON_CALL,
    (S.READY, M.TAKE_BACK): S.ON_CALL,
    (S.ON_CALL, M.NOT_REACHED): S.READY,  # a callback not answered: freed at once
    (S.READY, M.TASK): S.ON_CALL,  # a voice message to work: no ring, nothing to answer
    (S.WRAP_UP, M.WRAP_UP_DONE): S.READY,
    (S.WRAP_UP, M.READY): S.READY,  # ended early by the agent
    (S.WRAP_UP, M.EXTEND): S.WRAP_UP,
    (S.WRAP_UP, M.PAUSE): S.PAUSED,
    (S.WRAP_UP, M.LOGOUT): S.LOGGED_OUT,
}


def next_state(state: AgentState, move: Move) -> AgentState:
    try:
        return TRANSITIONS[(state, move)]
    except KeyError:
        raise IllegalMove(state, move) from None


def is_logged_in(state: AgentState) -> bool:
    return state is not AgentState.LOGGED_OUT
