"""Revocation, published as a W3C Bitstring Status List (``BitstringStatusListEntry``).

Each credential points at bit number ``certificate.id`` of one list, ``/credentials/status/revocation``: a
``BitstringStatusListCredential`` signed like the credentials (VC-JWT). Bit set: revoked. The list is at
least 131,072 bits long (the specification's minimum, so one revocation says little about whom), GZIP
compressed and base64url encoded with the multibase prefix ``u``. It is built from the certificates table
when asked for, so a revocation shows at once.
"""

from __future__ import annotations

import base64
import gzip
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import Certificate, utcnow
from .urls import absolute, site_name, timestamp

MINIMUM_BITS = 131_072
PURPOSE = "revocation"


def list_url() -> str:
    return absolute("credentials.status_list")


def status_entry(index: int) -> dict[str, Any]:
    url = list_url()
    return {
        "id": f"{url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": url,
    }


def encode(revoked: list[int], length: int) -> str:
    """The bits (index 0 is the left-most bit of the first byte), GZIP, base64url without padding, 'u'."""
    bits = bytearray(length // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not a multibase base64url value")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bits):
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential() -> dict[str, Any]:
    revoked = list(db.session.scalars(select(Certificate.id).where(Certificate.revoked_at.is_not(None))))
    highest = db.session.scalar(select(func.max(Certificate.id))) or 0
    length = max(MINIMUM_BITS, (highest // 8 + 1) * 8)
    url = list_url()
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": absolute("credentials.issuer", key="site"), "name": site_name()},
        "validFrom": timestamp(utcnow()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(revoked, length),
        },
    }
