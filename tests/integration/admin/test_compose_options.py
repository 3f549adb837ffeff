"""Network settings on the compose form: YouTube's visibility, category, tags and subtitles."""

from __future__ import annotations

import io
import re

from hub.extensions import db
from hub.models import Announcement, MediaAsset
from tests.conftest import tiny_mp4
from tests.integration.admin.conftest import post_form

NEW = "/admin/announcements/new"
VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHallo Bochum\n"


def test_youtube_settings_and_subtitles_are_saved_and_shown_again(
    make_user, make_channel, client_for
) -> None:
    editor = make_user("editor")
    yt = make_channel("youtube")
    client = client_for(editor)
    form = client.get(NEW).text
    assert f'name="variant_{yt.id}_opt_privacy"' in form
    assert f'name="variant_{yt.id}_opt_captions"' in form
    response = post_form(
        client,
        NEW,
        {
            "title": "Neuer Radweg",
            "body": "Der Radweg ist fertig.",
            "channels": [str(yt.id)],
            f"variant_{yt.id}_opt_privacy": "unlisted",
            f"variant_{yt.id}_opt_category": "27",
            f"variant_{yt.id}_opt_tags": "Bochum, Radweg",
            f"variant_{yt.id}_opt_captions": (io.BytesIO(VTT), "untertitel.vtt"),
            "new_media-0-file": (io.BytesIO(tiny_mp4()), "radweg.mp4"),
            "new_media-0-alt_text": "",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    options = ann.variant_for(yt.id).options
    subtitle = db.session.get(MediaAsset, options["captions"])
    assert subtitle.kind == "subtitle" and subtitle.original_name == "untertitel.vtt"
    assert options == {
        "privacy": "unlisted",
        "category": "27",
        "tags": ["Bochum", "Radweg"],
        "captions": subtitle.id,
    }
    edit = client.get(f"/admin/announcements/{ann.id}/edit").text
    assert re.search(r'<option selected value="unlisted">|value="unlisted" selected', edit)
    assert 'value="Bochum, Radweg"' in edit
    assert "untertitel.vtt" in edit


def test_a_wrong_subtitle_file_is_refused_next_to_its_field(
    make_user, make_channel, client_for
) -> None:
    yt = make_channel("youtube")
    client = client_for(make_user("editor"))
    response = post_form(
        client,
        NEW,
        {
            "title": "Radweg",
            "body": "b",
            "channels": [str(yt.id)],
            f"variant_{yt.id}_opt_captions": (io.BytesIO(b"%PDF-1.4 nope"), "untertitel.vtt"),
            "new_media-0-file": (io.BytesIO(tiny_mp4()), "radweg.mp4"),
        },
    )
    assert response.status_code == 422
    assert f'data-error-for="variants.{yt.id}.options.captions"' in response.text
    db.session.rollback()
    assert db.session.scalars(db.select(Announcement)).all() == []
