"""Starting refuses clearly, without needing a real Asterisk: no root, running, port taken."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from ipaddress import IPv4Address
from pathlib import Path

import pytest

from acd.asterisk import Asterisk, AsteriskNotRunning, AsteriskStartError
from acd.config import CenterConfig, load_config
from acd.config.network_model import Network, SipNetwork
from tests.integration.asterisk.helpers import wait_for, write_test_config

OFFSET = 300  # ports of their own: the live tests may run an Asterisk meanwhile


@pytest.fixture
def cfg(tmp_path: Path) -> CenterConfig:
    return load_config(write_test_config(tmp_path, OFFSET))


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    """Looks built to start(): the marker and an asterisk binary."""
    root = tmp_path / "root"
    (root / "usr" / "sbin").mkdir(parents=True)
    (root / "usr" / "sbin" / "asterisk").touch()
    (root / ".centralino-root-complete").touch()
    return root


@pytest.fixture
def impostor(cfg: CenterConfig, tmp_path: Path, fake_root: Path) -> Iterator[Asterisk]:
    """An instance whose pid file names a live process that looks like its Asterisk."""
    asterisk = Asterisk(cfg, tmp_path / "data", root=fake_root)
    script = 'exec -a asterisk bash -c "sleep 30; true" -C "$0"'
    proc = subprocess.Popen(["bash", "-c", script, asterisk.paths.conf_file])
    asterisk.paths.data_dir.mkdir(parents=True)
    asterisk.paths.pid_file.write_text(f"{proc.pid}\n")
    wait_for(lambda: asterisk.running_pid() == proc.pid, timeout=5, every=0.01)  # exec'd
    yield asterisk
    proc.kill()
    proc.wait()


def test_a_missing_root_says_to_build_it(cfg: CenterConfig, tmp_path: Path) -> None:
    asterisk = Asterisk(cfg, tmp_path / "data", root=tmp_path / "nowhere")
    with pytest.raises(AsteriskStartError, match="centralino asterisk build"):
        asterisk.start()


def test_a_second_start_while_running_is_refused(impostor: Asterisk) -> None:
    pid = int(impostor.paths.pid_file.read_text())
    assert impostor.running_pid() == pid
    with pytest.raises(AsteriskStartError, match=rf"already running .*\(pid {pid}, instance"):
        impostor.start()
    assert impostor.status().startswith(f"running: pid {pid}")
    assert impostor.running_pid() == pid  # the refusal left it alone


def test_a_stale_pid_file_does_not_count(cfg: CenterConfig, tmp_path: Path) -> None:
    asterisk = Asterisk(cfg, tmp_path / "data", root=tmp_path / "root")
    asterisk.paths.data_dir.mkdir(parents=True)
    asterisk.paths.pid_file.write_text(f"{os.getpid()}\n")  # alive, but not an Asterisk
    assert asterisk.running_pid() is None
    assert asterisk.status().startswith("stopped")
    with pytest.raises(AsteriskNotRunning, match="not running"):
        asterisk.cli("core show version")


def test_a_taken_port_is_named_with_its_owner(
    cfg: CenterConfig, tmp_path: Path, fake_root: Path
) -> None:
    asterisk = Asterisk(cfg, tmp_path / "data", root=fake_root)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", cfg.ports.sip))
        with pytest.raises(AsteriskStartError) as failure:
            asterisk.start()
    message = str(failure.value)
    assert f"SIP port 127.0.0.1:{cfg.ports.sip}/udp is already taken" in message
    assert f"pid {os.getpid()}" in message


def with_sip_bind(cfg: CenterConfig, bind: str) -> CenterConfig:
    sip = SipNetwork(bind=IPv4Address(bind))
    return cfg.model_copy(update={"network": Network(sip=sip)})


def test_the_sip_port_is_checked_on_the_sip_bind_address(
    cfg: CenterConfig, tmp_path: Path, fake_root: Path
) -> None:
    asterisk = Asterisk(with_sip_bind(cfg, "127.0.0.5"), tmp_path / "data", root=fake_root)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.5", cfg.ports.sip))
        with pytest.raises(AsteriskStartError, match=rf"SIP port 127\.0\.0\.5:{cfg.ports.sip}/udp"):
            asterisk.start()


def test_a_sip_bind_address_this_machine_lacks_is_named(
    cfg: CenterConfig, tmp_path: Path, fake_root: Path
) -> None:
    asterisk = Asterisk(with_sip_bind(cfg, "192.0.2.1"), tmp_path / "data", root=fake_root)
    with pytest.raises(AsteriskStartError, match=r"192\.0\.2\.1 is not an address of this machine"):
        asterisk.start()
