"""Who owns what in an instance directory: Asterisk may write only its own directories.

Asterisk starts as root (``chroot`` needs it) and then becomes the root's unprivileged
account (asterisk.conf ``runuser``/``rungroup``, see ``account``). Before every start::

    {instance}/              root:asterisk      0750  nobody else on the host looks inside
      etc/                   root:asterisk      0750  the rendered configuration: Asterisk
                                                      reads it and cannot change it; the
                                                      files with secrets 0640, others 0644
      sounds/                root:asterisk      0750  the prompts the engine synthesises
      run/ lib/ log/ spool/  asterisk:asterisk  0750  Asterisk's own, and all that is in them
      spool/voice-messages/  asterisk:asterisk  0700  the callers' recordings

Asterisk runs with umask 077 (``control``), so what it creates (recordings, logs, its
database) is its own only. The engine runs as root and reads everything all the same.

A tree left root-owned by an older run is handed over at the next start, not refused.
Nothing here follows a symbolic link: Asterisk could plant one in its own directories,
pointing at a host file, for root to chown.
"""

from __future__ import annotations

import os
from pathlib import Path

from acd.asterisk.account import RunAs
from acd.asterisk.errors import AsteriskStartError
from acd.asterisk.paths import ASTERISK_DIRS, ENGINE_DIRS, VOICE_MESSAGES, InstancePaths

SHARED_DIR = 0o750  # the owner writes, the group (asterisk) reads, nobody else enters
VOICE_MESSAGES_DIR = 0o700


def hand_over(instance: InstancePaths, account: RunAs) -> None:
    """Give each part of the instance its owner and mode (see the module docstring)."""
    _own(instance.host_base, 0, account.gid, SHARED_DIR)
    for name in ENGINE_DIRS:
        _own(instance.host(name), 0, account.gid, SHARED_DIR)
    for path in instance.host("etc").iterdir():
        if path.is_file() and not path.is_symlink():
            os.chown(path, 0, account.gid, follow_symlinks=False)
    for name in ASTERISK_DIRS:
        _own(instance.host(name), account.uid, account.gid, SHARED_DIR)
        _own_tree(instance.host(name), account)
    _own(instance.host(*VOICE_MESSAGES), account.uid, account.gid, VOICE_MESSAGES_DIR)


def _own(directory: Path, uid: int, gid: int, mode: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    if directory.is_symlink():  # (mkdir accepts a link to a directory)
        raise AsteriskStartError(f"{directory} is a symbolic link: remove it, then start")
    os.chown(directory, uid, gid, follow_symlinks=False)
    directory.chmod(mode)


def _own_tree(top: Path, account: RunAs) -> None:
    """Everything under ``top`` to the account: leftovers of a run as root included."""
    for folder, dirs, files in os.walk(top):  # (os.walk does not descend into links)
        for name in (*dirs, *files):
            os.chown(Path(folder, name), account.uid, account.gid, follow_symlinks=False)
