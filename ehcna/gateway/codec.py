"""Encryption of everything the engine sends through Temporal (free text included: exception
descriptions, advice summaries), before it leaves the process.

AES-256-GCM with a key ring: the newest key encrypts, every key decrypts, and
each payload names its key id in its metadata, so keys can be rotated while
cases are open. A payload that is not encrypted passes through unchanged:
histories recorded before encryption still replay.
"""

import base64
import binascii
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from ehcna.settings import Settings

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12
KEY_FILE = "payload-keys"  # in the var folder, for development when EHCNA_PAYLOAD_KEYS is not set


class PayloadKeyError(ValueError):
    """The key ring cannot be read; the message says what is wrong, never the key."""


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]  # (id, 32 bytes), newest first

    @classmethod
    def parse(cls, text: str) -> "KeyRing":
        keys: list[tuple[str, bytes]] = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            kid, sep, encoded = part.partition(":")
            if not sep or not kid:
                raise PayloadKeyError("EHCNA_PAYLOAD_KEYS: each key is 'id:base64', comma-separated")
            try:
                key = base64.b64decode(encoded, validate=True)
            except binascii.Error:
                raise PayloadKeyError(f"EHCNA_PAYLOAD_KEYS: key '{kid}' is not base64") from None
            if len(key) != 32:
                raise PayloadKeyError(f"EHCNA_PAYLOAD_KEYS: key '{kid}' is {len(key)} bytes, not 32")
            if any(kid == known for known, _ in keys):
                raise PayloadKeyError(f"EHCNA_PAYLOAD_KEYS: key id '{kid}' is given twice")
            keys.append((kid, key))
        if not keys:
            raise PayloadKeyError("EHCNA_PAYLOAD_KEYS: no key")
        return cls(tuple(keys))

    @classmethod
    def new(cls, kid: str = "k1") -> "KeyRing":
        return cls(((kid, AESGCM.generate_key(bit_length=256)),))

    def text(self) -> str:
        return ",".join(f"{kid}:{base64.b64encode(key).decode()}" for kid, key in self.keys)

    @property
    def current(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, kid: str) -> bytes:
        for k, key in self.keys:
            if k == kid:
                return key
        raise PayloadKeyError(f"no payload key '{kid}' in EHCNA_PAYLOAD_KEYS: it was rotated out too soon")


def key_ring(settings: Settings) -> KeyRing:
    """The keys from the settings; in development, a key made once in the var folder (owner only)."""
    if settings.payload_keys is not None:
        return KeyRing.parse(settings.payload_keys.get_secret_value())
    path: Path = settings.var_dir / KEY_FILE
    if not path.exists():
        settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(KeyRing.new(f"dev-{secrets.token_hex(3)}").text())
    return KeyRing.parse(path.read_text())


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        kid, key = self._ring.current
        aes = AESGCM(key)
        out = []
        for p in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + aes.encrypt(nonce, p.SerializeToString(), kid.encode())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)  # recorded before encryption: as it was
                continue
            kid = p.metadata[KEY_ID].decode()
            nonce, sealed = p.data[:NONCE_BYTES], p.data[NONCE_BYTES:]
            inner = Payload()
            inner.ParseFromString(AESGCM(self._ring.key(kid)).decrypt(nonce, sealed, kid.encode()))
            out.append(inner)
        return out


def data_converter(ring: KeyRing) -> DataConverter:
    """The engine's converter: pydantic models, encrypted. On every client, worker and replayer."""
    # failures' messages and stack traces (a rule's reason, a database error) are encrypted too
    return replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def _payload_from_json(item: dict[str, object]) -> Payload:
    metadata = item.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError("a payload's metadata must be an object of base64 values")
    return Payload(
        metadata={str(k): base64.b64decode(str(v), validate=True) for k, v in metadata.items()},
        data=base64.b64decode(str(item.get("data") or ""), validate=True),
    )


def _payload_to_json(p: Payload) -> dict[str, object]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in p.metadata.items()},
        "data": base64.b64encode(p.data).decode(),
    }


async def remote_decode(codec: PayloadCodec, body: object) -> dict[str, object]:
    """The ``/decode`` of Temporal's remote codec protocol: payloads as JSON, base64 inside.
    ``ValueError`` for a body that is not ``{"payloads": [...]}`` or a payload no key opens."""
    items = body.get("payloads") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ValueError('the body must be {"payloads": [{"metadata": {...}, "data": "..."}]}')
    try:
        payloads = [_payload_from_json(i) for i in items]
        done = await codec.decode(payloads)
    except (binascii.Error, InvalidTag, PayloadKeyError, TypeError) as err:
        raise ValueError(f"a payload cannot be read: {type(err).__name__}") from None
    return {"payloads": [_payload_to_json(p) for p in done]}
