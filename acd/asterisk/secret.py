"""The instance's secrets, generated on first use and kept in the data directory (mode 600).

- the AMI secret (``ami-secret``): the engine's login to Asterisk;
- each agent's SIP password (``agent-passwords.json``, ``{agent id: password}``): the digest
  credentials of the agent's endpoint, for a desk phone, a softphone, the browser softphone;
- each registration trunk's password (``trunk-secrets/NAME``, one line): given by the
  provider, so never generated; stored by ``centralino asterisk trunk-secret NAME``, and
  refused at start when missing or readable by others.

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

from acd.asterisk.errors import AsteriskError, TrunkSecretError


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


def load_trunk_password(path: Path, trunk: str) -> str:
    """The password of registration trunk ``trunk``, kept in ``path``."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TrunkSecretError(
            f"trunk {trunk!r} has no password in {path}: store the provider's with "
            f"`centralino asterisk trunk-secret {trunk}` (it reads it from stdin)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TrunkSecretError(f"cannot read trunk {trunk!r}'s password in {path}: {exc}") from None
    if mode & 0o077:
        raise TrunkSecretError(f"{path} is readable by others: chmod 600 {path}")
    return check_trunk_password(text.removesuffix("\n"), str(path))


def check_trunk_password(password: str, where: str) -> str:
    if not password or not password.isprintable() or password != password.strip():
        raise TrunkSecretError(f"{where}: a password is one line of printable characters")
    return password


def store_trunk_password(path: Path, password: str) -> None:
    """Keep a registration trunk's password (mode 600, in a directory of mode 700)."""
    check_trunk_password(password, "the password")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(path, password + "\n")


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
