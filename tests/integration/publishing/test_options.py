"""Network settings from compose to the network: YouTube visibility, category, tags and
subtitles; Flickr visibility and tags; the media's licence (both databases, the sandbox)."""

from __future__ import annotations

import io

import pytest

from hub.extensions import db
from hub.publishing import pipeline, workflow
from hub.publishing.compose import (
    AnnouncementInput,
    VariantInput,
    input_from,
    save_announcement,
)
from hub.publishing.errors import ValidationFailed
from hub.publishing.media import store_upload
from tests.conftest import make_settings
from tests.support import approved_announcement, flickr_login

YT_CHANNEL = "UC" + "options000000000000000"
YT_CREDS = {
    "refresh_token": "refresh-options",
    "client_id": "515151515151-hub.apps.googleusercontent.com",
    "client_secret": "s",
}
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHallo Bochum\n"


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=3.0)


@pytest.fixture
def subtitle(app, settings):  # type: ignore[no-untyped-def]
    asset = store_upload(io.BytesIO(VTT), "untertitel.vtt", settings=settings)
    db.session.commit()
    return asset


def _publish() -> list[str]:
    outbox = pipeline.dispatch_due()
    results = [pipeline.run_publish(i) for i in outbox.publish]
    db.session.expire_all()
    return results


def test_subtitles_are_recognised_by_content(subtitle, settings) -> None:
    assert subtitle.kind == "subtitle" and subtitle.mime_type == "text/vtt"
    srt = store_upload(
        io.BytesIO(b"1\r\n00:00:01,000 --> 00:00:02,000\r\nHallo\r\n"), "a.txt", settings=settings
    )
    assert srt.kind == "subtitle" and srt.mime_type == "application/x-subrip"


def test_youtube_settings_and_subtitles_reach_youtube(
    make_user, make_channel, make_media, subtitle, sandbox
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    sandbox.put_account("youtube", id=YT_CHANNEL, token=YT_CREDS["refresh_token"])
    channel = make_channel("youtube", external_id=YT_CHANNEL, credentials=dict(YT_CREDS))
    video = make_media("video", licence="CC BY 4.0")
    options = {
        "privacy": "unlisted",
        "category": "29",
        "tags": "Bochum, Radweg",
        "captions": subtitle.id,
    }
    ann = save_announcement(
        AnnouncementInput(
            title="Neuer Radweg",
            body="Der Radweg ist fertig.",
            channel_ids=[channel.id],
            media_ids=[video.id],
            variants={channel.id: VariantInput(options=options)},
        ),
        user=editor,
    )
    db.session.commit()
    assert ann.variants[0].options == {
        "privacy": "unlisted",
        "category": "29",
        "tags": ["Bochum", "Radweg"],
        "captions": subtitle.id,
    }
    assert input_from(ann).variants[channel.id].options == ann.variants[0].options
    workflow.submit(ann, editor)
    workflow.approve(ann, approver)
    db.session.commit()
    assert _publish() == ["published"]
    (posted,) = sandbox.posts("youtube")
    assert posted["options"]["privacyStatus"] == "unlisted"
    assert posted["options"]["categoryId"] == "29"
    assert posted["options"]["tags"] == ["Bochum", "Radweg"]
    assert posted["options"]["license"] == "creativeCommon"
    (captions,) = [m for m in posted["media"] if m["kind"] == "captions"]
    assert captions["sha256"] == subtitle.sha256  # the subtitle file arrived whole
    assert captions["alt_text"] == "de: Deutsch"


def test_wrong_settings_and_a_subtitle_as_attachment_are_refused(
    english, make_user, make_channel, make_media, subtitle
) -> None:
    editor = make_user("editor")
    channel = make_channel("youtube")
    video = make_media("video")
    with pytest.raises(ValidationFailed) as err:
        save_announcement(
            AnnouncementInput(
                title="t",
                body="b",
                channel_ids=[channel.id],
                media_ids=[video.id, subtitle.id],
                variants={
                    channel.id: VariantInput(options={"privacy": "geheim", "captions": video.id})
                },
            ),
            user=editor,
        )
    fields = err.value.fields
    assert f"variants.{channel.id}.options.privacy" in fields
    assert f"variants.{channel.id}.options.captions" in fields
    assert any("subtitle file" in m for m in fields["media"])


def test_flickr_visibility_tags_and_licence(make_user, make_channel, make_media, sandbox) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    channel = make_channel("flickr", external_id="12345678@N00", credentials=flickr_login("t"))
    photo = make_media("image", licence="CC BY-SA 4.0")
    approved_announcement(
        editor,
        approver,
        [channel.id],
        title="Rathaus",
        body="Das Rathaus im Schnee.",
        media_ids=[photo.id],
        variants={
            channel.id: VariantInput(options={"privacy": "public", "tags": "Rathaus, Winter"})
        },
    )
    assert _publish() == ["published"]
    (posted,) = sandbox.posts("flickr")
    assert "Rathaus" in posted["options"]["tags"] and "Winter" in posted["options"]["tags"]
    assert posted["options"]["license"] == "5"  # Flickr's id for CC BY-SA
