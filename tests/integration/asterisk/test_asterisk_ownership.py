"""Asterisk's account read from its root, and the instance handed over to it (as root)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from acd.asterisk import AsteriskStartError, InstancePaths
from acd.asterisk.account import RunAs, run_as
from acd.asterisk.ownership import hand_over
from acd.asterisk.render import make_instance_dirs

PASSWD = (
    "root:x:0:0:root:/root:/bin/bash\n"
    "asterisk:x:4101:4102:Asterisk PBX daemon:/var/lib/asterisk:/usr/sbin/nologin\n"
)
GROUP = "root:x:0:\ndialout:x:20:asterisk\nasterisk:x:4102:\n"
ACCOUNT = RunAs("asterisk", "asterisk", 4101, 4102)  # ids no host account is likely to have


def a_root(tmp_path: Path, passwd: str = PASSWD, group: str = GROUP) -> Path:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text(passwd)
    (root / "etc" / "group").write_text(group)
    return root


def owner(path: Path) -> tuple[int, int, int]:
    info = path.lstat()
    return info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)


def test_the_account_is_read_from_the_roots_own_files(tmp_path: Path) -> None:
    assert run_as(a_root(tmp_path)) == ACCOUNT


@pytest.mark.parametrize(
    ("passwd", "group", "missing"),
    [("root:x:0:0::/root:/bin/sh\n", GROUP, "passwd"), (PASSWD, "root:x:0:\n", "group")],
    ids=["no-user", "no-group"],
)
def test_a_root_without_the_account_says_to_rebuild_it(
    tmp_path: Path, passwd: str, group: str, missing: str
) -> None:
    root = a_root(tmp_path, passwd, group)
    with pytest.raises(AsteriskStartError, match=rf"no 'asterisk' in .*etc/{missing}.*rebuild"):
        run_as(root)


@pytest.fixture
def instance(tmp_path: Path) -> InstancePaths:
    paths = InstancePaths(tmp_path / "root", tmp_path / "data")
    make_instance_dirs(paths)
    (paths.host("etc", "manager.conf")).write_text("[general]\n")
    return paths


def test_asterisk_writes_its_own_directories_and_reads_the_rest(instance: InstancePaths) -> None:
    hand_over(instance, ACCOUNT)
    assert owner(instance.host_base) == (0, 4102, 0o750)
    for name in ("etc", "sounds"):  # the engine's: Asterisk reads them through its group
        assert owner(instance.host(name)) == (0, 4102, 0o750), name
    assert owner(instance.host("etc", "manager.conf"))[:2] == (0, 4102)
    for name in ("run", "lib", "log", "spool"):
        assert owner(instance.host(name)) == (4101, 4102, 0o750), name
    assert owner(instance.host("spool", "voice-messages")) == (4101, 4102, 0o700)


def test_leftovers_of_a_run_as_root_are_handed_over(instance: InstancePaths) -> None:
    astdb = instance.host("lib", "astdb.sqlite3")
    astdb.write_text("")
    (instance.host("log", "old")).mkdir()
    old_log = instance.host("log", "old", "messages.log")
    old_log.write_text("")
    assert owner(astdb)[:2] == (0, 0)
    hand_over(instance, ACCOUNT)
    assert owner(astdb)[:2] == owner(old_log)[:2] == owner(old_log.parent)[:2] == (4101, 4102)


def test_a_link_planted_in_asterisks_directories_is_not_followed(
    instance: InstancePaths, tmp_path: Path
) -> None:
    """A subverted Asterisk could point a link at a host file for root to chown at the next
    start: the link itself changes owner, never its target."""
    host_file = tmp_path / "shadow"
    host_file.write_text("")
    os.chmod(host_file, 0o600)
    instance.host("spool", "innocent").symlink_to(host_file)
    hand_over(instance, ACCOUNT)
    assert owner(host_file) == (0, 0, 0o600)
    assert owner(instance.host("spool", "innocent"))[:2] == (4101, 4102)


def test_a_link_in_place_of_one_of_its_directories_is_refused(
    instance: InstancePaths, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    instance.host("spool", "voice-messages").symlink_to(elsewhere)
    with pytest.raises(AsteriskStartError, match="voice-messages is a symbolic link"):
        hand_over(instance, ACCOUNT)
    assert owner(elsewhere)[:2] == (0, 0)
