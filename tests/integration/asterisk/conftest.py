"""A real Asterisk on test ports (SIP 25060, AMI 25038, AGI 24573, HTTP 28088, RTP 31000-31099).

Asterisk runs from the shared root in ``$CENTRALINO_CACHE/asterisk-root`` (built on first
use: about a minute and 500 MB, then reused), in an instance of its own per test session.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from acd.asterisk import Asterisk
from acd.config import CenterConfig, load_config
from tests.integration.asterisk.helpers import Ami, write_test_config


@pytest.fixture(scope="session")
def center(tmp_path_factory: pytest.TempPathFactory) -> CenterConfig:
    return load_config(write_test_config(tmp_path_factory.mktemp("center")))


@pytest.fixture(scope="module")
def pbx(
    center: CenterConfig, tmp_path_factory: pytest.TempPathFactory, exclusive_ports: None
) -> Iterator[Asterisk]:
    """One running instance for the tests of a module; stopped at the end."""
    asterisk = Asterisk(center, tmp_path_factory.mktemp("data"))
    asterisk.build()
    asterisk.start()
    yield asterisk
    asterisk.stop()
    shutil.rmtree(asterisk.paths.host_base)  # the instance's directory inside the root


@pytest.fixture
def ami(pbx: Asterisk, center: CenterConfig) -> Iterator[Ami]:
    client = Ami(center.ports.ami, "centralino", pbx.ami_secret)
    assert client.login["Response"] == "Success", client.login
    yield client
    client.close()
