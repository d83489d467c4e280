"""Where an Asterisk instance lives: on the host, and as Asterisk sees it inside its root.

Asterisk runs chrooted in a shared root (built once by ``asterisk-conf/build-root.sh``).
Each instance (the demo, every test run) has its own directory inside that root,
``{root}/srv/centralino/{name}/`` on the host and ``/srv/centralino/{name}/`` for Asterisk,
with ``etc/ run/ lib/ spool/ log/ sounds/``. The name is a stable hash of the absolute data
directory, so one data directory always maps to the same instance. Who owns which of them:
``ownership``.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ENGINE_DIRS = ("etc", "sounds")  # written by the engine, read by Asterisk
ASTERISK_DIRS = ("run", "lib", "spool", "log")  # written by Asterisk
INSTANCE_DIRS = ENGINE_DIRS + ASTERISK_DIRS
VOICE_MESSAGES = ("spool", "voice-messages")  # the callers' recordings (RECORD FILE)
DEFAULT_CACHE = "/var/cache/centralino"


def default_root() -> Path:
    """``$CENTRALINO_CACHE/asterisk-root`` (the cache defaults to /var/cache/centralino)."""
    return Path(os.environ.get("CENTRALINO_CACHE") or DEFAULT_CACHE) / "asterisk-root"


def instance_name(data_dir: Path) -> str:
    """A short, readable, stable name: the data directory's name and a hash of its path."""
    absolute = str(data_dir.resolve())
    digest = hashlib.sha256(absolute.encode()).hexdigest()[:10]
    slug = re.sub(r"[^a-z0-9]+", "-", data_dir.resolve().name.lower()).strip("-")[:16]
    return f"{slug or 'data'}-{digest}"


@dataclass(frozen=True, slots=True)
class InstancePaths:
    root: Path
    data_dir: Path
    name: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())
        object.__setattr__(self, "data_dir", Path(self.data_dir).resolve())
        object.__setattr__(self, "name", instance_name(self.data_dir))

    @property
    def inside_base(self) -> PurePosixPath:
        """The instance directory as Asterisk sees it."""
        return PurePosixPath("/srv/centralino") / self.name

    @property
    def host_base(self) -> Path:
        """The instance directory on the host."""
        return self.root / "srv" / "centralino" / self.name

    def inside(self, *parts: str) -> str:
        return str(self.inside_base.joinpath(*parts))

    def host(self, *parts: str) -> Path:
        return self.host_base.joinpath(*parts)

    def to_host(self, inside_path: str) -> Path:
        """The host path of a path inside the root."""
        return self.root / PurePosixPath(inside_path).relative_to("/")

    @property
    def conf_file(self) -> str:
        """``asterisk.conf`` as Asterisk sees it (for ``asterisk -C``)."""
        return self.inside("etc", "asterisk.conf")

    @property
    def secret_file(self) -> Path:
        return self.data_dir / "ami-secret"

    @property
    def agent_passwords_file(self) -> Path:
        return self.data_dir / "agent-passwords.json"

    @property
    def softphone_passwords_file(self) -> Path:
        """The browser softphones' SIP passwords, one per agent, apart from the desk phones'."""
        return self.data_dir / "softphone-passwords.json"

    def trunk_secret_file(self, trunk: str) -> Path:
        """A registration trunk's password (``centralino asterisk trunk-secret``)."""
        return self.data_dir / "trunk-secrets" / trunk

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "asterisk.pid"

    @property
    def console_log(self) -> Path:
        """Asterisk's own stdout and stderr."""
        return self.host("log", "console.log")

    @property
    def messages_log(self) -> Path:
        return self.host("log", "messages.log")
