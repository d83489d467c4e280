"""The unprivileged account Asterisk runs as: ``asterisk`` of the root's own passwd and group.

Debian's package makes the account when the root is built; its uid and gid are whatever
that build gave them, so they are read from ``{root}/etc/passwd`` and ``{root}/etc/group``
(the files Asterisk itself reads inside the chroot for ``runuser``/``rungroup``), never
assumed and never looked up in the host's own files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from acd.asterisk.errors import AsteriskStartError

USER = GROUP = "asterisk"


@dataclass(frozen=True, slots=True)
class RunAs:
    """Who Asterisk becomes after it starts as root: asterisk.conf ``runuser``/``rungroup``."""

    user: str
    group: str
    uid: int
    gid: int


def run_as(root: Path, user: str = USER, group: str = GROUP) -> RunAs:
    """The account ``user`` and group ``group`` as the root at ``root`` defines them."""
    uid = _field(root / "etc" / "passwd", user, 2)
    gid = _field(root / "etc" / "group", group, 2)
    return RunAs(user, group, uid, gid)


def _field(table: Path, name: str, index: int) -> int:
    """Field ``index`` (the uid of passwd, the gid of group) of ``name``'s line in ``table``."""
    try:
        lines = table.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AsteriskStartError(f"cannot read {table}: {exc.strerror}") from exc
    for line in lines:
        fields = line.split(":")
        if fields[0] == name and len(fields) > index and fields[index].isdigit():
            return int(fields[index])
    raise AsteriskStartError(
        f"no {name!r} in {table}: the Asterisk root is incomplete, rebuild it"
        " (remove it and run `centralino asterisk build`)"
    )
