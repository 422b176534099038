import pytest

from ehcna.store.db import make_engine
from tests.databases import fresh_database
from tests.forecast.known import write


@pytest.fixture(scope="module")
def known_store(tmp_path_factory):
    """One SQLite store with the known-truth history, shared by a module's tests (they only read it)."""
    with fresh_database("sqlite", tmp_path_factory.mktemp("known")) as url:
        engine = make_engine(url)
        write(engine)
        try:
            yield engine, url
        finally:
            engine.dispose()
