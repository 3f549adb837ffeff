"""Flickr through the thin requests-oauthlib client against the sandbox: async uploads with
tickets, XML answers parsed safely, licence and visibility, comments and views."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    MediaFile,
    OutgoingPost,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.flickr import FlickrConnector
from hub.connectors.registry import connector_for
from hub.publishing.network_state import MemoryUploadSessions
from tests.conftest import image_bytes, tiny_mp4

NSID = "12037949754@N01"
CREDS = {
    "api_key": "key",
    "api_secret": "secret",
    "oauth_token": "72157-bochum",
    "oauth_token_secret": "token-secret",
}


def photo(tmp_path: Path, data: bytes | None = None, kind: str = "image") -> MediaFile:
    data = data if data is not None else image_bytes("JPEG")
    path = tmp_path / f"foto-{hashlib.sha256(data).hexdigest()[:8]}.jpg"
    path.write_bytes(data)
    return MediaFile(
        path=path,
        kind=kind,
        mime_type="image/jpeg" if kind == "image" else "video/mp4",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        alt_text="Der Bergbaumuseum-Turm im Abendlicht",
    )


@pytest.fixture
def flickr(sandbox, sandbox_url: str, monkeypatch) -> FlickrConnector:
    monkeypatch.setattr(FlickrConnector, "poll_first", 0.05)
    sandbox.put_account("flickr", id=NSID, username="stadtbochum", token=CREDS["oauth_token"])
    connector = connector_for("flickr", ChannelAccess(NSID, dict(CREDS), sandbox_url), timeout=2)
    assert isinstance(connector, FlickrConnector)
    connector.sessions = MemoryUploadSessions()
    return connector


def test_photo_with_title_description_tags_licence_and_visibility(
    flickr, sandbox, tmp_path
) -> None:
    image = photo(tmp_path)
    post = OutgoingPost(
        delivery_id=1,
        text="Blick vom Förderturm.",
        title="Bergbaumuseum",
        media=[image],
        options={"tags": ["Bochum", "Ruhr Museum"], "licence": "cc-by", "privacy": "public"},
    )
    result = flickr.publish(post)
    (made,) = sandbox.posts("flickr")
    assert made["id"] == result.remote_id
    assert result.url == f"https://www.flickr.com/photos/{NSID}/{result.remote_id}/"
    assert made["media"][0]["sha256"] == image.sha256
    assert made["options"]["title"] == "Bergbaumuseum"
    assert made["options"]["tags"] == 'Bochum "Ruhr Museum"'
    assert made["options"]["license"] == "4" and made["options"]["visibility"] == "public"
    # No alt-text field on Flickr: the description carries it for screen readers.
    assert made["text"] == "Blick vom Förderturm.\n\nDer Bergbaumuseum-Turm im Abendlicht"
    assert flickr.find_published(post) == result


def test_video_and_damaged_files_are_refused(flickr, sandbox, tmp_path) -> None:
    with pytest.raises(Rejected, match="photos only"):
        flickr.publish(OutgoingPost(1, "x", "t", media=[photo(tmp_path, tiny_mp4(), "video")]))
    with pytest.raises(Rejected, match="could not read the file"):
        flickr.publish(OutgoingPost(2, "x", "t", media=[photo(tmp_path, b"%PDF-1.7 not a photo")]))
    assert sandbox.posts("flickr") == []


def test_failed_ticket_is_a_clear_refusal(flickr, sandbox, tmp_path) -> None:
    sandbox.add_fault("flickr", "status", method="PROCESS")
    with pytest.raises(Rejected, match="could not process the photo"):
        flickr.publish(OutgoingPost(3, "x", "t", media=[photo(tmp_path)]))


def test_lost_upload_answer_is_not_uploaded_twice(flickr, sandbox, tmp_path) -> None:
    post = OutgoingPost(4, "Antwort verloren", "Titel", media=[photo(tmp_path)])
    sandbox.add_fault("flickr", "reset", after=True, method="POST", path="/services/upload")
    with pytest.raises(Transient):
        flickr.publish(post)
    found = flickr.find_published(post)
    assert found is not None
    assert [p["id"] for p in sandbox.posts("flickr")] == [found.remote_id]


def test_pending_ticket_is_asked_again_instead_of_uploading_again(
    flickr, sandbox, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(FlickrConnector, "processing_seconds", 0.2)
    sandbox.add_fault("flickr", "timeout", method="PROCESS")
    post = OutgoingPost(5, "wartet", "Titel", media=[photo(tmp_path)])
    with pytest.raises(Transient, match="still processing"):
        flickr.publish(post)
    uploads = [r for r in sandbox.requests("flickr") if "upload" in r["path"]]
    assert len(uploads) == 1
    assert flickr.sessions.get("flickr", post.idempotency_key) is not None


def test_invalid_token_and_check(flickr, sandbox) -> None:
    assert flickr.check_connection() == "stadtbochum"
    sandbox.add_fault("flickr", "expired_token")
    with pytest.raises(AuthExpired):
        flickr.check_connection()


def test_comments_reply_no_hiding_and_views(flickr, sandbox, tmp_path) -> None:
    result = flickr.publish(OutgoingPost(6, "Kommentare", "Titel", media=[photo(tmp_path)]))
    first = sandbox.add_comment("flickr", result.remote_id, "Tolles Foto!")
    page = flickr.fetch_comments({}, [result.remote_id])
    assert [c.text for c in page.items] == ["Tolles Foto!"]
    reply_id = flickr.reply(first["id"], "Danke!", idempotency_key="k")
    assert flickr.find_reply(first["id"], "Danke!") == reply_id
    second = flickr.fetch_comments(page.cursor, [result.remote_id])
    assert [(c.text, c.is_own) for c in second.items] == [("Danke!", True)]
    assert flickr.fetch_comments(second.cursor, [result.remote_id]).items == []
    with pytest.raises(Unsupported):
        flickr.set_hidden(first["id"], True)
    flickr.delete_comment(first["id"])
    flickr.delete_comment(first["id"])
    sandbox.set_metrics("flickr", result.remote_id, views=321)
    assert flickr.fetch_post_metrics([result.remote_id])[result.remote_id].views == 321
    assert flickr.fetch_account_metrics().raw["photos"] == 1


# -- issue 11, finding 8: a refused licence is no failed post ------------------------------------


def uploads(sandbox) -> list[dict]:
    return [r for r in sandbox.requests("flickr") if r["path"].rstrip("/") == "/services/upload"]


def set_licence_calls(sandbox) -> list[dict]:
    return [
        r
        for r in sandbox.requests("flickr")
        if r["method"] == "POST" and r["path"].rstrip("/") == "/services/rest"
    ]


def test_a_licence_flickr_does_not_take_keeps_the_photo_published_with_a_note(
    flickr, sandbox, tmp_path
) -> None:
    """7 ("No known copyright restrictions") is for The Commons only: setLicense refuses it."""
    post = OutgoingPost(11, "Archivbild", "Zeche", media=[photo(tmp_path)])
    post = OutgoingPost(
        11, "Archivbild", "Zeche", media=post.media, options={"licence": "no-known-copyright"}
    )
    result = flickr.publish(post)
    (made,) = sandbox.posts("flickr")
    assert made["id"] == result.remote_id and made["options"]["license"] == "0"
    assert result.note is not None and "licence" in result.note
    assert len(uploads(sandbox)) == 1


def test_a_licence_refused_by_flickr_is_a_note_and_nothing_is_sent_twice(
    flickr, sandbox, tmp_path
) -> None:
    sandbox.settings("flickr", available_licenses=["0"])  # this account may set none but 0
    post = OutgoingPost(
        12, "Stadtfest", "Bühne", media=[photo(tmp_path)], options={"licence": "cc-by"}
    )
    result = flickr.publish(post)
    assert result.note is not None
    assert "License not available" in result.note  # Flickr's own reason, as it said it
    assert result.url == f"https://www.flickr.com/photos/{NSID}/{result.remote_id}/"
    assert len(uploads(sandbox)) == 1 and len(set_licence_calls(sandbox)) == 1
    # Nothing is left over for a retry: the stored ticket is gone, find_published finds it.
    assert flickr.sessions.get("flickr", post.idempotency_key) is None
    assert flickr.find_published(post).remote_id == result.remote_id


def test_setlicense_answers_flickrs_error_codes(flickr, sandbox, tmp_path) -> None:
    result = flickr.publish(OutgoingPost(13, "x", "t", media=[photo(tmp_path)]))
    for license_id, code, message in (
        ("7", 4, "License not available"),
        ("99", 2, "License not found"),
    ):
        with pytest.raises(Rejected) as refused:
            flickr.call(
                "flickr.photos.licenses.setLicense",
                "the licence",
                post=True,
                photo_id=result.remote_id,
                license_id=license_id,
            )
        answer = json.loads((refused.value.detail or "").split(": ", 1)[1])
        assert message in refused.value.message and answer["code"] == code


def test_every_licence_hub_offers_is_one_flickr_takes() -> None:
    from hub.connectors.flickr import LICENCES, SETTABLE
    from hub.publishing.options import KNOWN_LICENCES

    assert set(KNOWN_LICENCES) <= set(LICENCES)
    assert {LICENCES[key] for key in KNOWN_LICENCES} <= SETTABLE
    assert 7 not in SETTABLE and 8 not in SETTABLE
