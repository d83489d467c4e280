"""``centralino``: check a configuration, run the engine, drive Asterisk; installed packages
add their own sub-commands (``centralino demo`` comes from the ``demo`` package)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from acd import acts, ivr_cli, report_cli
from acd.access import cli as users_cli
from acd.access import kiosks_cli, tokens_cli
from acd.asterisk import cli as asterisk_cli
from acd.asterisk.errors import AsteriskError
from acd.config import ConfigError, load_config
from acd.privacy import cli as privacy_cli
from acd.samples import CONFIG_HELP, config_or_default
from acd.simulate import cli as simulate_cli
from acd.store.errors import MigrationError
from reports import cli as reports_cli

# Modules that add their own sub-commands with ``register(subparsers)``, one per use case.
PLUGINS = (
    asterisk_cli,
    reports_cli,
    report_cli,
    simulate_cli,
    ivr_cli,
    acts,
    users_cli,
    tokens_cli,
    kiosks_cli,
    privacy_cli,
)
# Packages that may not be imported from here add sub-commands through this entry-point
# group (pyproject.toml), each a ``register(subparsers)``: the demo does.
COMMANDS = "centralino.commands"


def data_dir_default() -> str:
    return os.environ.get("CENTRALINO_DATA_DIR", "var")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    logging.basicConfig(
        level=logging.DEBUG if getattr(args, "verbose", False) else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # chatty at INFO
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="centralino", description="Open-source contact center for Asterisk 22."
    )
    sub = parser.add_subparsers(metavar="COMMAND")
    check = sub.add_parser("check", help="validate a center's configuration file")
    check.add_argument("config", nargs="?", help=CONFIG_HELP)
    check.set_defaults(func=cmd_check)
    run = sub.add_parser("run", help="run the engine (AMI, FastAGI, store, web) for a center")
    engine_args(run)
    run.add_argument(
        "--keep-asterisk", action="store_true",
        help="on exit leave Asterisk and its calls running (a restart, an upgrade): "
        "the next run takes back the callers waiting in the queues",
    )  # fmt: skip
    run.set_defaults(func=cmd_run)
    for module in PLUGINS:
        module.register(sub)
    for command in sorted(entry_points(group=COMMANDS), key=lambda e: e.name):
        command.load()(sub)
    return parser


def engine_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", nargs="?", help=CONFIG_HELP)
    parser.add_argument("--data-dir", default=data_dir_default())
    parser.add_argument("-v", "--verbose", action="store_true")


def cmd_check(args: argparse.Namespace) -> int:
    config = config_or_default(args.config)
    cfg = load_config(config)
    print(
        f"{config}: ok ({len(cfg.services)} services, {len(cfg.agents)} agents, "
        f"{len(cfg.ivr)} IVR trees)"
    )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from acd.engine_main import run_engine

    cfg = load_config(config_or_default(args.config))
    try:
        return until_stopped(run_engine(cfg, Path(args.data_dir), keep_asterisk=args.keep_asterisk))
    except AsteriskError as exc:  # e.g. a port taken, a trunk's password missing
        print(f"asterisk: {exc}", file=sys.stderr)
        return 1
    except MigrationError as exc:  # e.g. a right the database's account lacks: what to ask
        print(f"database: {exc}", file=sys.stderr)
        return 1


def until_stopped(work: Coroutine[Any, Any, int]) -> int:
    """Run until the work ends or Ctrl-C / SIGTERM; cleanup runs inside the work."""

    async def main() -> int:
        task = asyncio.ensure_future(work)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            return int(await task)
        return 0

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(main())


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop (libuv): the engine's work is mostly small socket reads and
    writes, timers and task switches, which it does for less CPU than asyncio's own loop
    (docs/benchmarks.md). ``CENTRALINO_EVENT_LOOP=asyncio`` asks for the standard loop
    (its debug mode, a profile of the loop's own Python); so does a platform without uvloop."""
    chosen = os.environ.get("CENTRALINO_EVENT_LOOP", "uvloop")
    if chosen not in ("uvloop", "asyncio"):
        raise SystemExit(f"CENTRALINO_EVENT_LOOP={chosen!r}: 'uvloop' (the default) or 'asyncio'")
    if chosen == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:  # (no wheel for this platform)
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    sys.exit(main())
