"""The web's TLS: a certificate made once for a non-loopback bind, and the network checks."""

from __future__ import annotations

import ssl
from ipaddress import IPv4Address
from pathlib import Path

import pytest
from cryptography import x509
from pydantic import ValidationError

from acd.config.network_model import WebNetwork
from acd.web.tls import TlsError, fingerprint, web_tls


def test_loopback_without_a_certificate_is_plain_http(tmp_path: Path) -> None:
    assert web_tls(WebNetwork.model_validate({}), tmp_path) is None


def test_a_certificate_is_made_once_for_a_lan_bind_and_reused(tmp_path: Path) -> None:
    web = WebNetwork.model_validate({"bind": "192.168.10.5", "names": ["urp.comune.example"]})
    first = web_tls(web, tmp_path)
    assert first is not None
    assert first.generated
    key = tmp_path / "web-tls" / "key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
    again = web_tls(web, tmp_path)
    assert again is not None
    assert again.fingerprint == first.fingerprint
    cert = x509.load_pem_x509_certificate(first.cert.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "urp.comune.example" in names.get_values_for_type(x509.DNSName)
    assert IPv4Address("192.168.10.5") in names.get_values_for_type(x509.IPAddress)
    assert len(first.fingerprint.split(":")) == 32
    assert first.context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_a_configured_certificate_that_cannot_be_read_is_a_clear_error(tmp_path: Path) -> None:
    web = WebNetwork.model_validate(
        {"tls_cert": tmp_path / "missing.pem", "tls_key": tmp_path / "missing.key"}
    )
    with pytest.raises(TlsError, match="cannot use certificate"):
        web_tls(web, tmp_path)


def test_the_fingerprint_is_that_of_the_certificate(tmp_path: Path) -> None:
    made = web_tls(WebNetwork.model_validate({"tls": True}), tmp_path)
    assert made is not None
    assert fingerprint(made.cert.read_bytes()) == made.fingerprint


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"tls_cert": "/etc/c.pem"}, "go together"),
        ({"tls": False, "bind": "10.0.0.1"}, "plain HTTP only on a loopback"),
        ({"names": ["bad name"]}, "pattern"),
        ({"allowed_origins": ["urp.example"]}, "pattern"),
    ],
)
def test_inconsistent_web_network_settings_are_refused(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        WebNetwork.model_validate(fields)
