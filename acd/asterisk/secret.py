"""The instance's secrets, generated on first use and kept in the data directory (mode 600).

- the AMI secret (``ami-secret``): the engine's login to Asterisk;
- each agent's SIP password (``agent-passwords.json``, ``{agent id: password}``): the digest
  credentials of the agent's endpoint, for a desk phone, a softphone, the browser softphone.

Secrets are never logged: errors name the file, never its content.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

from acd.asterisk.errors import AsteriskError


def load_or_create_secret(path: Path) -> str:
    """Read the secret in ``path``, creating it (mode 600) the first time."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = _new_secret()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it meanwhile
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secret + "\n")
    return secret


def load_agent_passwords(
    path: Path, agent_ids: Iterable[str], *, drop_removed: bool = True
) -> dict[str, str]:
    """The SIP password of each agent in ``agent_ids``: kept ones re-used, new ones made.

    With ``drop_removed`` (a render of the configuration) the passwords of agents no longer
    in it are forgotten; a mere read (an administrator asking for one agent's) keeps them,
    so a read with the wrong configuration cannot change anybody's password.
    """
    wanted = list(agent_ids)
    with _locked(path):
        kept = _read_passwords(path)
        passwords = {agent: kept.get(agent) or _new_secret() for agent in wanted}
        stored = passwords if drop_removed else {**kept, **passwords}
        if stored != kept or not path.exists():
            _write_private(path, json.dumps(stored, indent=2, sort_keys=True) + "\n")
    return passwords


def _new_secret() -> str:
    return secrets.token_urlsafe(24)  # URL-safe: no character a .conf file would misread


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Two processes adding an agent at once must not each make it a password."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (UnicodeDecodeError, json.JSONDecodeError):  # say nothing of what it holds
        raise AsteriskError(
            f"{path} is not JSON: restore it, or remove it to give every agent a new password"
        ) from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in data.items()
    ):
        raise AsteriskError(f"{path} must map each agent id to its password")
    return data


def _write_private(path: Path, text: str) -> None:
    """Write atomically, readable by the owner only whatever the umask."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
