"""Centralino's own Asterisk: configuration rendered from the center's, run from a private root.

Errors::

    AsteriskError              anything this package reports
    ├── AsteriskBuildError     the Asterisk root could not be built
    ├── AsteriskStartError     Asterisk did not start (root missing, port taken, bad config)
    ├── AsteriskNotRunning     a command needs a running instance
    ├── UnknownAgent           an agent id not in the configuration (``agent_password``)
    ├── UnknownTrunk           not a registration trunk of the configuration (``trunk-secret``)
    ├── TrunkSecretError       a registration trunk's password missing, or readable by others
    └── PromptError            a prompt could not be synthesised (espeak-ng, sox)
"""

from acd.asterisk.control import Asterisk
from acd.asterisk.errors import (
    AsteriskBuildError,
    AsteriskError,
    AsteriskNotRunning,
    AsteriskStartError,
    PromptError,
    TrunkSecretError,
    UnknownAgent,
    UnknownTrunk,
)
from acd.asterisk.paths import InstancePaths, default_root
from acd.asterisk.prompts import prompt_path, synthesize_announcements, synthesize_prompts
from acd.asterisk.render import render_config

__all__ = [
    "Asterisk",
    "AsteriskBuildError",
    "AsteriskError",
    "AsteriskNotRunning",
    "AsteriskStartError",
    "InstancePaths",
    "PromptError",
    "TrunkSecretError",
    "UnknownAgent",
    "UnknownTrunk",
    "default_root",
    "prompt_path",
    "render_config",
    "synthesize_announcements",
    "synthesize_prompts",
]
