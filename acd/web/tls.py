"""TLS for the web: the configured certificate, or one made for this center.

``network.web.tls``: with ``tls_cert``/``tls_key`` given, those; otherwise, when the bind
is not loopback (or ``tls: true``), a self-signed certificate made once into
``DATA_DIR/web-tls/`` (key mode 0600) and reused at every start. Its SHA-256 fingerprint is
printed at start, so that whoever opens the page the first time can compare it with what
the browser shows. A loopback bind without a certificate serves plain HTTP.

Errors::

    TlsError    a configured certificate or key that cannot be read or do not match
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from acd.config.network_model import WebNetwork

VALID_DAYS = 825  # the longest validity browsers accept for a server certificate


class TlsError(Exception):
    pass


@dataclass(frozen=True, slots=True)
class WebTls:
    context: ssl.SSLContext
    cert: Path
    fingerprint: str  # SHA-256 of the certificate, AA:BB:... as browsers show it
    generated: bool


def web_tls(web: WebNetwork, data_dir: Path) -> WebTls | None:
    """The TLS the web serves with, or None for plain HTTP (loopback only)."""
    if web.tls_cert is not None and web.tls_key is not None:
        return _load(web.tls_cert, web.tls_key, generated=False)
    if not web.wants_tls:
        return None
    folder = data_dir / "web-tls"
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.exists() and key.exists()):
        _generate(cert, key, web)
    return _load(cert, key, generated=True)


def _load(cert: Path, key: Path, generated: bool) -> WebTls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
        pem = cert.read_bytes()
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"web TLS: cannot use certificate {cert} with key {key}: {exc}") from exc
    return WebTls(context, cert, fingerprint(pem), generated)


def fingerprint(pem: bytes) -> str:
    digest = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())
    return ":".join(f"{byte:02X}" for byte in digest)


def spki_sha256(pem: bytes) -> bytes:
    """SHA-256 of the certificate's public key (what Chromium's SPKI pin lists take)."""
    public = x509.load_pem_x509_certificate(pem).public_key()
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)  # fmt: skip
    sha = hashes.Hash(hashes.SHA256())
    sha.update(der)
    return sha.finalize()


def _generate(cert: Path, key: Path, web: WebNetwork) -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, web.names[0] if web.names
                                         else str(web.bind))])  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alt_names(web)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    cert.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key.touch(mode=0o600)
    key.write_bytes(private.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))  # fmt: skip
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _alt_names(web: WebNetwork) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in (*web.names, "localhost")]
    addresses = {ipaddress.ip_address("127.0.0.1")}
    if not web.bind.is_unspecified:
        addresses.add(web.bind)
    return names + [x509.IPAddress(a) for a in sorted(addresses)]
