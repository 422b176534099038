"""The payload key ring: rotation keeps old payloads readable, bad keys are refused with the reason and
never echoed, and unencrypted payloads (histories from before encryption) pass through."""

import base64
import os

import pytest
from temporalio.api.common.v1 import Payload

from ehcna.gateway.codec import EncryptionCodec, KeyRing, PayloadKeyError


def key(kid: str) -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


async def test_a_rotated_ring_encrypts_with_the_newest_key_and_still_reads_the_older():
    k1 = key("k1")
    old = EncryptionCodec(KeyRing.parse(k1))
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"summary": "private words"}')
    (sealed,) = await old.encode([plain])
    assert (
        b"private words" not in sealed.SerializeToString() and sealed.metadata["encryption-key-id"] == b"k1"
    )
    rotated = EncryptionCodec(KeyRing.parse(f"{key('k2')},{k1}"))
    assert await rotated.decode([sealed]) == [plain]
    (new,) = await rotated.encode([plain])
    assert new.metadata["encryption-key-id"] == b"k2"
    with pytest.raises(PayloadKeyError, match="rotated out too soon"):
        await old.decode([new])


async def test_a_payload_from_before_encryption_passes_through():
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b"{}")
    assert await EncryptionCodec(KeyRing.parse(key("k1"))).decode([plain]) == [plain]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no key"),
        ("k1", "'id:base64'"),
        ("k1:not base64!", "not base64"),
        (f"k1:{base64.b64encode(b'short').decode()}", "5 bytes, not 32"),
        (f"{key('k1')},{key('k1')}", "given twice"),
    ],
    ids=["empty", "no-colon", "not-base64", "short", "twice"],  # fixed ids: the keys are random
)
def test_a_bad_key_ring_is_refused_with_the_reason_and_not_the_key(text, reason):
    with pytest.raises(PayloadKeyError, match=reason) as refused:
        KeyRing.parse(text)
    secret = text.partition(":")[2].split(",")[0]
    assert not secret or secret not in str(refused.value)
