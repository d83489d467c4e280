"""``centralino asterisk build|start|stop|status|cli|agent-secret|trunk-secret``: drive our
own Asterisk.

``start`` leaves Asterisk running detached and returns; ``stop`` finds it again through the
pid file in the data directory. ``cli`` runs one Asterisk CLI command::

    centralino asterisk cli [--data-dir DIR] [CONFIG.yaml] pjsip show endpoints

``agent-secret`` prints an agent's SIP password (user name: the agent id), for whoever sets
up the agent's desk phone or softphone; a supervisor's likewise (``supervisors[].id``)::

    centralino asterisk agent-secret [--data-dir DIR] AGENT_ID [CONFIG.yaml]

``trunk-secret`` stores the password a provider gave for a registration trunk (read from
stdin, never from the command line, which other users can see), in the data directory::

    centralino asterisk trunk-secret [--data-dir DIR] TRUNK [CONFIG.yaml] < password-file
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from acd.asterisk.control import Asterisk
from acd.asterisk.errors import AsteriskError
from acd.config import ConfigError, load_config
from acd.samples import CONFIG_HELP, config_or_default

ACTIONS = {
    "build": "build the Asterisk root (Debian sid, debootstrap) once into the cache",
    "start": "render the configuration and start Asterisk in the background",
    "stop": "stop Asterisk (core stop now, then signals)",
    "status": "say whether Asterisk runs, where, and on which ports",
    "cli": "run one Asterisk CLI command, e.g. 'pjsip show endpoints'",
    "agent-secret": "print an agent's or a supervisor's SIP password (user name: its id)",
    "trunk-secret": "store a registration trunk's password, read from stdin",
}
_NAMED = {"agent-secret": "AGENT_ID", "trunk-secret": "TRUNK"}


def register(subparsers: Any) -> None:
    """Add ``asterisk`` and its actions to the ``centralino`` sub-commands."""
    parser = subparsers.add_parser("asterisk", help="build, start, stop, query the local Asterisk")
    actions = parser.add_subparsers(dest="asterisk_action", metavar="ACTION", required=True)
    for name, help_text in ACTIONS.items():
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--data-dir", default=_data_dir_default())
        if name == "cli":
            action.add_argument(
                "words", nargs="+", metavar="WORD", help="[CONFIG.yaml] then the CLI command"
            )
        else:
            if name in _NAMED:
                action.add_argument("words", nargs=1, metavar=_NAMED[name])
            action.add_argument("config", nargs="?", help=CONFIG_HELP)
        action.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run one action; problems are printed plainly, with exit status 1 (2 for the config)."""
    config, words = _config_and_words(args)
    try:
        asterisk = Asterisk(load_config(config_or_default(config)), args.data_dir)
        return _ACTIONS[args.asterisk_action](asterisk, words)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except AsteriskError as exc:
        print(f"asterisk: {exc}", file=sys.stderr)
        return 1


def _config_and_words(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """``cli`` takes an optional CONFIG before the command words: a .yaml/.yml file."""
    words: list[str] = list(getattr(args, "words", []))
    if args.asterisk_action == "cli" and words and words[0].endswith((".yaml", ".yml")):
        return words[0], words[1:]
    return getattr(args, "config", None), words


def _data_dir_default() -> str:
    return os.environ.get("CENTRALINO_DATA_DIR") or "var"


def _build(asterisk: Asterisk, _: list[str]) -> int:
    if not asterisk.root_ready:
        print(f"asterisk: building {asterisk.paths.root} (once: about a minute, 500 MB)")
    asterisk.build()
    print(f"asterisk: root ready in {asterisk.paths.root}")
    return 0


def _start(asterisk: Asterisk, _: list[str]) -> int:
    asterisk.start(detach=True)
    print(asterisk.status())
    return 0


def _stop(asterisk: Asterisk, _: list[str]) -> int:
    asterisk.stop()
    print(asterisk.status())
    return 0


def _status(asterisk: Asterisk, _: list[str]) -> int:
    text = asterisk.status()
    print(text)
    return 0 if text.startswith("running") else 3


def _cli(asterisk: Asterisk, words: list[str]) -> int:
    if not words:
        print("asterisk cli: which command? e.g. pjsip show endpoints", file=sys.stderr)
        return 2
    print(asterisk.cli(" ".join(words)), end="")
    return 0


def _agent_secret(asterisk: Asterisk, words: list[str]) -> int:
    print(asterisk.agent_password(words[0]))  # stdout only: for the administrator's eyes
    return 0


def _trunk_secret(asterisk: Asterisk, words: list[str]) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass(f"password of trunk {words[0]}: ")
    else:
        password = sys.stdin.readline().removesuffix("\n")
    asterisk.store_trunk_password(words[0], password)
    print(f"asterisk: password of trunk {words[0]} stored; used at the next start")
    return 0


_ACTIONS = {
    "build": _build,
    "start": _start,
    "stop": _stop,
    "status": _status,
    "cli": _cli,
    "agent-secret": _agent_secret,
    "trunk-secret": _trunk_secret,
}
