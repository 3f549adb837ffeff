"""Connectors against the sandbox over real HTTP, and media files to publish."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.connectors.base import ChannelAccess, MediaFile
from hub.connectors.facebook import FacebookConnector
from hub.connectors.registry import connector_for
from hub.connectors.x import XConnector
from tests.conftest import image_bytes, tiny_mp4

PAGE_ID = "104729318356812"
# Short enough that a held request fails a test fast, long enough for a loaded CI machine.
TIMEOUT = 1.5

MakeMedia = Callable[..., MediaFile]


@pytest.fixture
def make_media(tmp_path: Path) -> MakeMedia:
    """Write a real file and describe it the way the pipeline does."""
    counter = iter(range(1, 1000))

    def make(
        kind: str = "image", alt_text: str | None = "Das Rathaus", color: str = "navy"
    ) -> MediaFile:
        n = next(counter)
        data = image_bytes(color=color) if kind == "image" else tiny_mp4()
        path = tmp_path / (f"bild{n}.png" if kind == "image" else f"film{n}.mp4")
        path.write_bytes(data)
        return MediaFile(
            path=path,
            kind=kind,
            mime_type="image/png" if kind == "image" else "video/mp4",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            alt_text=alt_text,
        )

    return make


@pytest.fixture
def x_connector(sandbox, sandbox_url: str) -> XConnector:
    access = ChannelAccess("x-stadt", {"access_token": "oauth2-user-token"}, sandbox_url)
    connector = connector_for("x", access, timeout=TIMEOUT)
    assert isinstance(connector, XConnector)
    return connector


@pytest.fixture
def facebook(sandbox, sandbox_url: str) -> FacebookConnector:
    access = ChannelAccess(PAGE_ID, {"access_token": "page-token"}, sandbox_url)
    connector = connector_for("facebook", access, timeout=TIMEOUT)
    assert isinstance(connector, FacebookConnector)
    return connector
