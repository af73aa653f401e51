"""Shared fixtures of the web workbench's tests: a fresh results store and a test client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from guaranty.web.app import create_app

#: the Host that FastAPI's test client (and schemathesis's ASGI client) sends
TEST_HOSTS = ["testserver"]


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    """The path of a fresh DuckDB results store (the app creates the file)."""
    return tmp_path / "store.duckdb"


@pytest.fixture
def client(store_path: Path) -> Iterator[TestClient]:
    """A test client of an app over ``store_path``, its lifespan running (one run at a time,
    in-process). A server error comes back as a 500 response, not as a raised exception.
    The test client names its server ``testserver``: an allowed host here."""
    app = create_app(store_path, workers=1, max_running=1, allowed_hosts=TEST_HOSTS)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
