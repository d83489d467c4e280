"""``centralino ivr show [CONFIG] [--mermaid]``: print the IVR trees for review.

The center's configuration is loaded here; the text is the IVR's own (``ivr.show``).
"""

from __future__ import annotations

import argparse
from typing import Any

from acd.config import load_config
from acd.samples import CONFIG_HELP, config_or_default
from ivr.show import mermaid, outline


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ivr", help="review the IVR trees")
    actions = parser.add_subparsers(dest="ivr_action", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="print the trees (or a Mermaid flowchart)")
    show.add_argument("config", nargs="?", help=CONFIG_HELP)
    show.add_argument("--mermaid", action="store_true", help="a Mermaid flowchart")
    show.set_defaults(func=cmd_show)


def cmd_show(args: argparse.Namespace) -> int:
    cfg = load_config(config_or_default(args.config))
    for line in mermaid(cfg.ivr) if args.mermaid else outline(cfg.ivr, cfg.numbers):
        print(line)
    return 0
