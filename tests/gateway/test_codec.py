"""The payload key ring: rotation keeps old payloads readable, bad keys are refused with the reason and
never echoed, and unencrypted payloads (histories from before encryption) pass through."""

import base64
import os
from datetime import date

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter, pydantic_data_converter

from domain.case import RequestSource
from domain.commands import StartAssessment
from ehcna.gateway.codec import EncryptionCodec, KeyRing, PayloadKeyError, data_converter


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


def test_the_converters_the_worker_makes_per_workflow_share_their_type_adapters_and_convert_alike():
    converter = data_converter(KeyRing.parse(key("k1")))
    start = StartAssessment(
        ref="SH-1", day0=date(2026, 9, 1), request_source=RequestSource.SCHOOL, team="north"
    )
    # the worker makes a payload converter of this class for every workflow it creates
    first, second = converter.payload_converter_class(), converter.payload_converter_class()
    (payload,) = first.to_payloads([start])
    assert first.from_payloads([payload], [StartAssessment]) == [start]
    assert second.from_payloads([payload], [StartAssessment]) == [start]
    adapters = [
        c._type_adapter
        for p in (first, second)
        for c in p.converters.values()  # type: ignore[attr-defined]
        if isinstance(c, PydanticJSONPlainPayloadConverter)
    ]
    assert len(adapters) == 2 and adapters[0] is adapters[1]
    assert adapters[0].cache_info().currsize >= 1
    # what it writes is what the SDK's own pydantic converter writes: recorded histories are unchanged
    assert pydantic_data_converter.payload_converter.to_payloads([start]) == [payload]
