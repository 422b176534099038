"""Connecting to Temporal with the project's data converter: pydantic models, encrypted."""

from temporalio.client import Client

from ehcna.gateway.codec import data_converter, key_ring
from ehcna.settings import Settings


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(key_ring(settings)),
    )
