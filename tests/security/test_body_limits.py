"""Request bodies are small unless someone may upload (ASVS 12.1.1, 13.1.3): every route takes
2 MB; the upload routes (compose form, ``POST /api/v1/media``) take the largest file hub keeps,
but only for a logged-in person allowed to compose, decided before anything reads the body."""

from __future__ import annotations

import io
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from hub import create_app
from hub.auth.tokens import create_token
from hub.body_limits import FORM_BODY_LIMIT
from hub.extensions import db
from hub.models import MediaAsset
from tests.conftest import csrf_from, login, make_settings, tiny_mp4
from tests.integration.admin.support import speed_up
from tests.support import free_port, serving

HUGE = 50 * 1024 * 1024  # what a request claims to carry
VIDEO_MB = 5  # the office's video limit in these tests


class ClaimedBody(io.RawIOBase):
    """A body of ``size`` bytes, made only as far as someone reads it (``read_so_far``)."""

    def __init__(self, size: int) -> None:
        self.size, self.position, self.read_so_far = size, 0, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking to its end
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = self.size + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def,override]
        n = max(0, min(len(buffer), self.size - self.position))
        buffer[:n] = b"a" * n
        self.position += n
        self.read_so_far += n
        return n


def _post_huge(client, path: str, content_type: str, **headers: str):  # type: ignore[no-untyped-def]
    body = ClaimedBody(HUGE)
    response = client.post(path, input_stream=body, content_type=content_type, headers=headers)
    return response, body.read_so_far


@pytest.fixture
def office(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """hub with a video limit of 5 MB (images 2 MB), so a video above the 2 MB form limit is
    small to send."""
    office = create_app(
        make_settings(tmp_path, database_url, max_image_mb=2, max_video_mb=VIDEO_MB),
        {"TESTING": True, "RATELIMIT_ENABLED": False},
    )
    speed_up(office)
    with office.app_context():
        yield office


def _video(megabytes: float) -> bytes:
    """A valid MP4 of about ``megabytes`` (the sample, padded with an MP4 "free" box)."""
    data = tiny_mp4()
    padding = int(megabytes * 1024 * 1024) - len(data)
    return data + struct.pack(">I", padding) + b"free" + b"\0" * (padding - 8)


def test_the_limits(office: Flask) -> None:
    assert office.config["MAX_CONTENT_LENGTH"] == FORM_BODY_LIMIT <= 2 * 1024 * 1024
    assert office.config["HUB_UPLOAD_BODY_LIMIT"] == (VIDEO_MB + 1) * 1024 * 1024


def test_an_anonymous_huge_login_is_refused_unread(app) -> None:
    client = app.test_client()
    response, read = _post_huge(client, "/login", "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert read == 0


def test_an_anonymous_huge_upload_is_refused_unread(app) -> None:
    client = app.test_client()
    multipart = "multipart/form-data; boundary=x"
    response, read = _post_huge(client, "/admin/announcements/new", multipart)
    assert response.status_code == 413 and read == 0
    # The API asks for its token first: 401, and the body stays unread as well.
    response, read = _post_huge(client, "/api/v1/media", multipart)
    assert response.status_code == 401 and read == 0


def test_a_huge_body_from_someone_who_may_not_upload_is_refused_unread(app, make_user) -> None:
    moderator = make_user("moderator")
    client = app.test_client()
    login(client, moderator.email)
    multipart = "multipart/form-data; boundary=x"
    response, read = _post_huge(client, "/admin/announcements/new", multipart)
    assert response.status_code == 413 and read == 0
    token = create_token(moderator, name="test")
    db.session.commit()
    api = app.test_client()
    response, read = _post_huge(api, "/api/v1/media", multipart, Authorization=f"Bearer {token}")
    assert response.status_code == 413 and read == 0


def test_an_editor_may_not_send_huge_bodies_elsewhere(app, make_user) -> None:
    editor = make_user("editor")
    client = app.test_client()
    login(client, editor.email)
    response, read = _post_huge(client, "/language", "application/x-www-form-urlencoded")
    assert response.status_code == 413 and read == 0


def test_a_real_server_answers_413_before_the_body_arrives(app, make_user) -> None:
    """Over HTTP: the answer comes after the headers and a first piece of a 50 MB body; the
    rest is never sent (a server that waited for it would time out here)."""
    port = free_port()
    with serving(app, port), socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            + f"Content-Length: {HUGE}\r\n\r\n".encode()
            + b"email="
            + b"a" * 65536
        )
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413")


def test_an_editor_uploads_a_video_above_the_form_limit(
    office: Flask, make_user, make_channel
) -> None:
    editor = make_user("editor")
    channel = make_channel("x")
    video = _video(3)
    assert len(video) > FORM_BODY_LIMIT

    # In the admin: the compose form with the video.
    client = office.test_client()
    login(client, editor.email)
    page = client.get("/admin/announcements/new")
    response = client.post(
        "/admin/announcements/new",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Radweg",
            "body": "Der neue Radweg.",
            "channels": [str(channel.id)],
            "new_media-0-file": (io.BytesIO(video), "radweg.mp4"),
            "new_media-0-alt_text": "Radfahrer auf dem neuen Radweg",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text[:2000]

    # Through the API, with the editor's token.
    token = create_token(editor, name="test")
    db.session.commit()
    uploaded = office.test_client().post(
        "/api/v1/media",
        data={"file": (io.BytesIO(video), "radweg.mp4"), "alt_text": "Radweg"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert uploaded.status_code == 201, uploaded.text[:2000]
    db.session.rollback()
    sizes = db.session.scalars(db.select(MediaAsset.size_bytes)).all()
    assert sizes == [len(video), len(video)]

    # Above the video limit: still refused.
    too_big = office.test_client().post(
        "/api/v1/media",
        data={"file": (io.BytesIO(_video(VIDEO_MB + 1.5)), "lang.mp4"), "alt_text": "Radweg"},
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert too_big.status_code == 413
