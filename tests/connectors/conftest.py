"""Connectors against the sandbox over real HTTP, and media files to publish."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hub.connectors.base import ChannelAccess, Connector, MediaFile
from hub.connectors.facebook import FacebookConnector
from hub.connectors.registry import connector_for
from hub.connectors.x import XConnector
from hub.connectors.youtube import YouTubeConnector
from hub.publishing.network_state import MemoryQuotaLedger, MemoryUploadSessions
from tests.conftest import image_bytes, tiny_mp4

PAGE_ID = "104729318356812"
# Short enough that a held request fails a test fast, long enough for a loaded CI machine.
TIMEOUT = 1.5

MakeMedia = Callable[..., MediaFile]
C = TypeVar("C", bound=Connector)


def media_file(path: Path, data: bytes, mime_type: str, alt_text: str | None = None) -> MediaFile:
    """``data`` written to ``path`` and described the way the pipeline does."""
    path.write_bytes(data)
    return MediaFile(
        path=path,
        kind=mime_type.partition("/")[0],
        mime_type=mime_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        alt_text=alt_text,
    )


def youtube_connector(
    channel_id: str, refresh_token: str, base_url: str | None = None
) -> YouTubeConnector:
    """A YouTube connector acting as ``channel_id`` (on ``base_url``: the sandbox), its quota
    and upload sessions in memory of its own."""
    return YouTubeConnector(
        ChannelAccess(
            channel_id,
            {"refresh_token": refresh_token, "client_id": "1-x", "client_secret": "s"},
            base_url,
        ),
        ledger=MemoryQuotaLedger(),
        sessions=MemoryUploadSessions(),
    )


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
        return media_file(path, data, "image/png" if kind == "image" else "video/mp4", alt_text)

    return make


def registry_connector(
    cls: type[C],
    external_id: str,
    credentials: Mapping[str, Any],
    base_url: str | None = None,
    *,
    timeout: float = TIMEOUT,
) -> C:
    """The connector hub's registry builds for this channel (on ``base_url``: the sandbox; else
    the real API), which must be a ``cls``."""
    made = connector_for(
        cls.network, ChannelAccess(external_id, credentials, base_url), timeout=timeout
    )
    assert isinstance(made, cls)
    return made


@pytest.fixture
def x_connector(sandbox, sandbox_url: str) -> XConnector:
    return registry_connector(
        XConnector, "x-stadt", {"access_token": "oauth2-user-token"}, sandbox_url
    )


@pytest.fixture
def facebook(sandbox, sandbox_url: str) -> FacebookConnector:
    return registry_connector(
        FacebookConnector, PAGE_ID, {"access_token": "page-token"}, sandbox_url
    )
