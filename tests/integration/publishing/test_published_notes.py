"""Published, but not as asked: the delivery is published and its message says what the editor
must know (issue 11: YouTube locks uploads of an unverified Google project to private; Flickr
refuses some licences after the upload). Real connectors against the sandbox, both databases."""

from __future__ import annotations

import pytest

from hub.models import DeliveryState
from tests.conftest import make_settings
from tests.support import approved_announcement, flickr_login, publish_due

CHANNEL = "UC" + "notesbochum00000000000"
YOUTUBE_LOGIN = {
    "refresh_token": "refresh-notes",
    "client_id": "123456789012-notes.apps.googleusercontent.com",
    "client_secret": "secret",
}


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=3.0, max_attempts=3
    )


def _published(make_user, channel, media, title: str, body: str):  # type: ignore[no-untyped-def]
    """``media`` announced on ``channel`` alone and published there: its delivery."""
    ann = approved_announcement(
        make_user("editor"),
        make_user("approver"),
        [channel.id],
        title=title,
        body=body,
        media_ids=[media.id],
    )
    assert publish_due() == ["published"]
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.published
    return delivery


def test_a_video_youtube_locked_to_private_is_published_with_the_reason(
    english, make_user, make_channel, make_media, sandbox
) -> None:
    sandbox.put_account("youtube", id=CHANNEL, token=YOUTUBE_LOGIN["refresh_token"])
    sandbox.settings("youtube", unverified_project=True)
    channel = make_channel("youtube", external_id=CHANNEL, credentials=dict(YOUTUBE_LOGIN))
    video = make_media("video")
    delivery = _published(make_user, channel, video, "Radweg", "Der neue Radweg")
    assert delivery.error_message and "private" in delivery.error_message
    assert "not verified" in delivery.error_message
    assert delivery.url == f"https://studio.youtube.com/video/{delivery.remote_id}/edit"
    assert sandbox.post("youtube", delivery.remote_id)["options"]["privacyStatus"] == "private"


def test_a_refused_flickr_licence_is_published_with_a_note_and_uploaded_once(
    english, make_user, make_channel, make_media, sandbox
) -> None:
    sandbox.settings("flickr", available_licenses=["0"])
    channel = make_channel(
        "flickr", external_id="12037949754@N01", credentials=flickr_login("72157-notes")
    )
    image = make_media("image", licence="CC BY 4.0")
    delivery = _published(make_user, channel, image, "Stadtfest", "Die Bühne")
    assert publish_due() == []  # nothing left to retry
    assert delivery.error_message and "License not available" in delivery.error_message
    uploads = [r for r in sandbox.requests("flickr") if "upload" in r["path"]]
    assert len(uploads) == 1
