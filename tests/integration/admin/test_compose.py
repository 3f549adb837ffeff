"""Composing through the admin form: saved whole, refused with every message, never stale."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from hub.extensions import db
from hub.models import Announcement, AuditEvent, MediaAsset
from tests.conftest import image_bytes
from tests.integration.admin.conftest import post_form

NEW = "/admin/announcements/new"


def _png(name: str = "rathaus.png") -> tuple[io.BytesIO, str]:
    return io.BytesIO(image_bytes()), name


def _errors(html: str, key: str) -> list[str]:
    pattern = rf'data-error-for="{re.escape(key)}">([^<]*)<'
    return [m.strip() for m in re.findall(pattern, html)]


def test_editor_composes_with_image_variants_and_berlin_time(
    make_user, make_channel, client_for
) -> None:
    editor = make_user("editor")
    x, insta, flickr = make_channel("x"), make_channel("instagram"), make_channel("flickr")
    client = client_for(editor)
    response = post_form(
        client,
        NEW,
        {
            "title": "Sperrung Kortumstraße",
            "body": "Die Kortumstraße ist am Samstag gesperrt.",
            "link": "https://www.bochum.de/sperrung",
            "channels": [str(x.id), str(insta.id), str(flickr.id)],
            f"variant_{insta.id}_body": "Kortumstraße gesperrt #bochum",
            f"variant_{flickr.id}_title": "Kortumstraße",
            "scheduled_at": "2031-07-01T10:00",
            "new_media-0-file": _png(),
            "new_media-0-alt_text": "Absperrgitter vor dem Rathaus",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    assert response.headers["Location"].endswith(f"/admin/announcements/{ann.id}/")
    assert ann.author_id == editor.id and ann.status == "draft"
    # 10:00 in Berlin in July (summer time) is 08:00 UTC.
    assert ann.scheduled_at == datetime(2031, 7, 1, 8, 0, tzinfo=UTC)
    assert [v.channel_id for v in ann.variants] == [x.id, insta.id, flickr.id]
    assert ann.variant_for(insta.id).body == "Kortumstraße gesperrt #bochum"
    assert ann.variant_for(x.id).body is None
    assert ann.variant_for(flickr.id).title == "Kortumstraße"
    assert [m.alt_text for m in ann.media] == ["Absperrgitter vor dem Rathaus"]
    assert ann.media[0].uploaded_by_id == editor.id

    # The edit form shows it back in Berlin time, with the version for the stale check.
    edit = client.get(f"/admin/announcements/{ann.id}/edit").text
    assert 'value="2031-07-01T10:00"' in edit
    assert f'name="version" type="hidden" value="{ann.version}"' in edit
    assert "Absperrgitter vor dem Rathaus" in edit


def test_every_problem_is_shown_next_to_its_field_and_nothing_saved(
    english, make_user, make_channel, client_for
) -> None:
    x, yt = make_channel("x"), make_channel("youtube")
    client = client_for(make_user("editor"))
    long_text = "Baustelle " * 30  # 300 characters: too long for X
    response = post_form(
        client,
        NEW,
        {
            "title": "",
            "body": long_text,
            "link": "javascript:alert(1)",
            "channels": [str(x.id), str(yt.id)],
            "scheduled_at": "2020-01-01T10:00",
            "new_media-0-file": _png(),
            "new_media-0-alt_text": "",
        },
    )
    assert response.status_code == 422
    html = response.text
    assert _errors(html, "title")
    assert _errors(html, "link")
    assert _errors(html, "scheduled_at") == ["The scheduled time lies in the past."]
    assert any("needs an alt text" in m for m in _errors(html, "media"))
    # 299 characters, a blank line and the (bad) link that X gets appended: 320.
    assert _errors(html, f"variants.{x.id}.body") == [
        "X allows 280 weighted characters; this text has 320."
    ]
    assert _errors(html, f"variants.{yt.id}.media")  # YouTube needs a video
    # No internal title to fall back on, so YouTube has none either.
    assert _errors(html, f"variants.{yt.id}.title") == ["YouTube needs a title."]
    assert "Nothing was saved" in html
    # What was typed is still there (escaped, as typed).
    assert long_text.strip() in html
    assert "javascript:alert(1)" in html and 'value="2020-01-01T10:00"' in html
    assert re.search(rf'id="channel-{x.id}" value="{x.id}"\s+data-network="x" checked', html)
    db.session.rollback()
    assert db.session.query(Announcement).count() == 0
    # The upload was kept (unattached) and is offered again, so it need not be chosen again.
    kept = db.session.scalars(db.select(MediaAsset)).one()
    assert f'data-media-id="{kept.id}"' in html


def test_a_kept_upload_is_attached_on_the_next_save(make_user, make_channel, client_for) -> None:
    insta = make_channel("instagram")
    client = client_for(make_user("editor"))
    refused = post_form(
        client,
        NEW,
        {
            "title": "",
            "body": "Sommerfest im Stadtpark",
            "channels": [str(insta.id)],
            "new_media-0-file": _png(),
            "new_media-0-alt_text": "Bühne im Stadtpark",
        },
    )
    assert refused.status_code == 422
    db.session.rollback()
    kept = db.session.scalars(db.select(MediaAsset)).one()
    assert kept.alt_text == "Bühne im Stadtpark"
    saved = post_form(
        client,
        NEW,
        {
            "title": "Sommerfest",
            "body": "Sommerfest im Stadtpark",
            "channels": [str(insta.id)],
            "existing_media-0-media_id": str(kept.id),
            "existing_media-0-alt_text": "Bühne im Stadtpark bei Nacht",
        },
    )
    assert saved.status_code == 302, saved.text[:2000]
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    assert [m.id for m in ann.media] == [kept.id]
    assert ann.media[0].alt_text == "Bühne im Stadtpark bei Nacht"


def test_media_of_someone_else_cannot_be_attached_by_id(
    make_user, make_channel, make_media, client_for
) -> None:
    other = make_user("editor")
    foreign = make_media("image")
    foreign.uploaded_by_id = other.id
    db.session.commit()
    insta = make_channel("instagram")
    client = client_for(make_user("editor"))
    response = post_form(
        client,
        NEW,
        {
            "title": "Fremdes Bild",
            "body": "Hallo",
            "channels": [str(insta.id)],
            "existing_media-0-media_id": str(foreign.id),
            "existing_media-0-alt_text": "überschrieben",
        },
    )
    assert response.status_code == 422
    assert _errors(response.text, "media")
    assert f'data-media-id="{foreign.id}"' not in response.text  # not even shown back
    db.session.rollback()
    assert db.session.query(Announcement).count() == 0
    assert db.session.get(MediaAsset, foreign.id).alt_text == "Das Rathaus Bochum"


def test_refused_alt_text_change_is_not_saved(
    make_user, make_channel, make_media, client_for
) -> None:
    editor = make_user("editor")
    x = make_channel("x")
    client = client_for(editor)
    post_form(client, NEW, {"title": "t", "body": "Hallo", "channels": [str(x.id)]})
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    image = make_media("image")
    from hub.models import AnnouncementMedia

    ann.media_links.append(AnnouncementMedia(media=image, position=0))
    db.session.commit()
    version = ann.version
    response = post_form(
        client,
        f"/admin/announcements/{ann.id}/edit",
        {
            "version": str(version),
            "title": "t",
            "body": "x" * 400,  # refused
            "channels": [str(x.id)],
            "existing_media-0-media_id": str(image.id),
            "existing_media-0-alt_text": "Neuer Alt-Text",
        },
    )
    assert response.status_code == 422
    db.session.rollback()
    assert db.session.get(MediaAsset, image.id).alt_text == "Das Rathaus Bochum"
    assert "Neuer Alt-Text" in response.text  # but the form keeps what was typed


def test_editing_removes_media_and_records_the_edit(make_user, make_channel, client_for) -> None:
    editor = make_user("editor")
    insta = make_channel("instagram")
    client = client_for(editor)
    post_form(
        client,
        NEW,
        {
            "title": "Zwei Bilder",
            "body": "Hallo",
            "channels": [str(insta.id)],
            "new_media-0-file": _png(),
            "new_media-0-alt_text": "eins",
        },
    )
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    assert len(ann.media) == 1
    kept_id = ann.media[0].id
    response = post_form(
        client,
        f"/admin/announcements/{ann.id}/edit",
        {
            "version": str(ann.version),
            "title": "Zwei Bilder",
            "body": "Hallo",
            "channels": [str(insta.id)],
            "existing_media-0-media_id": str(kept_id),
            "existing_media-0-alt_text": "eins",
            "existing_media-0-remove": "y",
            "new_media-0-file": _png("zwei.png"),
            "new_media-0-alt_text": "zwei",
        },
    )
    assert response.status_code == 302, response.text[:2000]
    db.session.rollback()
    ann = db.session.get(Announcement, ann.id)
    assert [m.alt_text for m in ann.media] == ["zwei"]
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert [a for a in actions if a.startswith("announcement.")][-2:] == [
        "announcement.created",
        "announcement.edited",
    ]
    assert "media.uploaded" in actions


def test_a_stale_edit_is_refused_with_a_clear_message(
    english, make_user, make_channel, client_for
) -> None:
    editor, colleague = make_user("editor"), make_user("editor")
    x = make_channel("x")
    mine = client_for(editor)
    post_form(mine, NEW, {"title": "Stand", "body": "eins", "channels": [str(x.id)]})
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    url = f"/admin/announcements/{ann.id}/edit"

    # Both open the form at the same version; the colleague saves first.
    mine_page = mine.get(url).text
    theirs = client_for(colleague)
    saved = post_form(
        theirs,
        url,
        {"version": str(ann.version), "title": "Stand", "body": "zwei", "channels": [str(x.id)]},
    )
    assert saved.status_code == 302
    from tests.conftest import csrf_from

    response = mine.post(
        url,
        data={
            "csrf_token": csrf_from(mine_page),
            "version": re.search(r'name="version" type="hidden" value="(\d+)"', mine_page)[1],
            "title": "Stand",
            "body": "drei",
            "channels": [str(x.id)],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409
    assert "Someone else saved this announcement" in response.text
    assert "drei" in response.text  # the refused text is still there to copy
    db.session.rollback()
    assert db.session.get(Announcement, ann.id).body == "zwei"

    # A form without a version cannot prove it saw the latest state: refused the same way.
    response = post_form(
        mine, url, {"version": "", "title": "Stand", "body": "vier", "channels": [str(x.id)]}
    )
    assert response.status_code == 409
    db.session.rollback()
    assert db.session.get(Announcement, ann.id).body == "zwei"


def test_a_bad_date_is_reported_not_ignored(english, make_user, make_channel, client_for) -> None:
    x = make_channel("x")
    client = client_for(make_user("editor"))
    response = post_form(
        client,
        NEW,
        {"title": "t", "body": "b", "channels": [str(x.id)], "scheduled_at": "morgen früh"},
    )
    assert response.status_code == 422
    assert _errors(response.text, "scheduled_at") == ["Please enter a valid date and time."]
    db.session.rollback()
    assert db.session.query(Announcement).count() == 0


def test_a_file_that_is_no_image_is_refused(make_user, make_channel, client_for) -> None:
    insta = make_channel("instagram")
    client = client_for(make_user("editor"))
    response = post_form(
        client,
        NEW,
        {
            "title": "t",
            "body": "b",
            "channels": [str(insta.id)],
            "new_media-0-file": (io.BytesIO(b"%PDF-1.4 not an image"), "flyer.png"),
            "new_media-0-alt_text": "Flyer",
        },
    )
    assert response.status_code == 422
    assert any(m.startswith("flyer.png: ") for m in _errors(response.text, "media"))
    db.session.rollback()
    assert db.session.query(Announcement).count() == 0
    assert db.session.query(MediaAsset).count() == 0


def test_a_cancelled_announcement_cannot_be_edited(
    english, make_user, make_channel, client_for
) -> None:
    x = make_channel("x")
    client = client_for(make_user("editor"))
    post_form(client, NEW, {"title": "t", "body": "eins", "channels": [str(x.id)]})
    db.session.rollback()
    ann = db.session.scalars(db.select(Announcement)).one()
    ann.status = "cancelled"
    db.session.commit()
    url = f"/admin/announcements/{ann.id}/edit"
    response = client.get(url)
    assert response.status_code == 302
    assert "can no longer be changed" in client.get(response.headers["Location"]).text
    # A POST (from a form opened earlier) is refused by the domain, and nothing changes.
    refused = client.post(
        url,
        data={
            "csrf_token": re.search(
                r'name="csrf-token" content="([^"]+)"', client.get("/admin/").text
            )[1],
            "version": str(ann.version),
            "title": "t",
            "body": "zwei",
            "channels": [str(x.id)],
        },
    )
    assert refused.status_code == 409 and "can no longer be changed" in refused.text
    db.session.rollback()
    assert db.session.get(Announcement, ann.id).body == "eins"
