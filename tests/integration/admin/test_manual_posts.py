"""The pages of a post made by hand (manual channels), on SQLite and PostgreSQL: the notice
leads to the text and the media; marking is CSRF-protected and refused on the server to anyone
but the responsible person, editors and admins; the overview and the engagement dashboard show
the post as published, without figures."""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import url_for
from sqlalchemy import select

from hub.extensions import db
from hub.metrics import collect, queries
from hub.metrics.selection import Selection
from hub.models import (
    Announcement,
    AnnouncementStatus,
    Channel,
    Delivery,
    DeliveryState,
    MetricSchedule,
)
from hub.models.types import utcnow
from hub.publishing import manual
from tests.conftest import csrf_from, image_bytes
from tests.integration.admin.conftest import channel_fields, post_form
from tests.support import approved_announcement, publish_due


def _waiting(make_user, make_channel, make_media):  # type: ignore[no-untyped-def]
    person = make_user("moderator", name="Wanda WhatsApp")
    channel = make_channel(
        "manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None, responsible_user=person
    )
    editor, approver = make_user("editor"), make_user("approver")
    photo = make_media(alt_text="Das Rathaus Bochum im Schnee")
    ann = approved_announcement(
        editor,
        approver,
        [channel.id],
        title="Winterdienst",
        body="Der Winterdienst ist unterwegs. <b>Bitte</b> parken Sie nicht auf Gehwegen.",
        media_ids=[photo.id],
    )
    publish_due()
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.waiting_for_person
    return delivery, person, editor, photo


def _state(delivery_id: int) -> str:
    db.session.rollback()
    return db.session.get(Delivery, delivery_id).state


def test_notice_page_text_media_and_posted_with_link(
    english, app, make_user, make_channel, make_media, client_for
) -> None:
    delivery, person, _editor, photo = _waiting(make_user, make_channel, make_media)
    with app.test_request_context():
        assert url_for("manual.detail", delivery_id=delivery.id) == manual.PAGE.format(
            id=delivery.id
        )
    client = client_for(person)
    assert f'href="/admin/manual/{delivery.id}/"' in client.get("/admin/notices/").text
    overview = client.get("/admin/").text
    assert 'id="by-hand"' in overview and "Winterdienst" in overview

    page = client.get(f"/admin/manual/{delivery.id}/").text
    # The text, escaped, in a read-only field; the copy script served by hub, no inline script.
    assert "&lt;b&gt;Bitte&lt;/b&gt; parken Sie" in page and "<b>Bitte" not in page
    assert 'id="manual-text"' in page and "readonly" in page
    assert "/admin/hub-static/manual.js" in page
    assert "Das Rathaus Bochum im Schnee" in page
    download = client.get(f"/admin/manual/{delivery.id}/media/{photo.id}")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/admin/manual/{delivery.id}/media/{photo.id + 999}").status_code == 404

    refused = client.post(
        f"/admin/manual/{delivery.id}/posted",
        data={"csrf_token": csrf_from(page), "url": "javascript:alert(1)"},
        follow_redirects=True,
    )
    assert "Please paste the full link to the post." in refused.text
    assert _state(delivery.id) == DeliveryState.waiting_for_person

    url = "https://www.whatsapp.com/channel/0029VaBochum"
    done = client.post(
        f"/admin/manual/{delivery.id}/posted",
        data={"csrf_token": csrf_from(page), "url": url},
    )
    assert done.status_code == 302
    assert done.headers["Location"].endswith(
        f"/admin/announcements/{delivery.announcement_id}/#delivery-{delivery.id}"
    )
    detail = client.get(f"/admin/announcements/{delivery.announcement_id}/").text
    assert f'href="{url}"' in detail and 'data-state="published"' in detail
    db.session.rollback()
    assert db.session.get(Delivery, delivery.id).announcement.status == (
        AnnouncementStatus.published
    )
    # Nothing more to do: the overview box is gone, a second mark is refused.
    assert 'id="by-hand"' not in client.get("/admin/").text
    again = client.post(
        f"/admin/manual/{delivery.id}/skipped",
        data={"csrf_token": csrf_from(page), "reason": "doch nicht"},
        follow_redirects=True,
    )
    assert "no longer in a state that allows this" in again.text
    assert _state(delivery.id) == DeliveryState.published

    # The engagement dashboard: one post on the channel, and no figures for it.
    now = utcnow()
    collect.enrol(now, collect.metrics_settings(), collect.office_zone())
    schedule = db.session.get(MetricSchedule, delivery.id)
    assert schedule is not None and schedule.next_due_at is None
    today = date.today()  # a range around it: the office's day may differ from the machine's
    seen = queries.overview(Selection(today - timedelta(days=2), today + timedelta(days=2)))
    assert seen.posts.get(delivery.channel_id) == 1
    assert delivery.channel_id not in seen.gained
    manager = client_for(make_user("manager"))
    dashboard = manager.get("/admin/engagement/")
    assert dashboard.status_code == 200 and "WhatsApp-Kanal Stadt Bochum" in dashboard.text
    side_by_side = manager.get(f"/admin/engagement/announcements/{delivery.announcement_id}")
    assert side_by_side.status_code == 200 and "WhatsApp-Kanal Stadt Bochum" in side_by_side.text


def test_marking_is_refused_without_csrf_and_to_others(
    english, make_user, make_channel, make_media, client_for
) -> None:
    delivery, _person, editor, _photo = _waiting(make_user, make_channel, make_media)
    for roles in (("manager",), ("approver",), ("moderator",)):
        other = client_for(make_user(*roles))
        page = other.get(f"/admin/manual/{delivery.id}/")
        assert page.status_code == 200  # anyone may read it
        assert 'id="manual-mark-posted"' not in page.text
        for action, data in (("posted", {"url": ""}), ("skipped", {"reason": "Nein"})):
            refused = other.post(
                f"/admin/manual/{delivery.id}/{action}",
                data={"csrf_token": csrf_from(page.text), **data},
            )
            assert refused.status_code == 403
    assert _state(delivery.id) == DeliveryState.waiting_for_person

    client = client_for(editor)  # the author, an editor
    page = client.get(f"/admin/manual/{delivery.id}/").text
    no_token = client.post(f"/admin/manual/{delivery.id}/skipped", data={"reason": "Nein"})
    assert no_token.status_code in (302, 400)
    assert _state(delivery.id) == DeliveryState.waiting_for_person

    empty = client.post(
        f"/admin/manual/{delivery.id}/skipped",
        data={"csrf_token": csrf_from(page), "reason": "  "},
        follow_redirects=True,
    )
    assert "Please say why it is not posted." in empty.text
    assert _state(delivery.id) == DeliveryState.waiting_for_person
    client.post(
        f"/admin/manual/{delivery.id}/skipped",
        data={"csrf_token": csrf_from(page), "reason": "Kanal pausiert im Dezember."},
    )
    assert _state(delivery.id) == DeliveryState.skipped
    detail = client.get(f"/admin/announcements/{delivery.announcement_id}/").text
    assert "Kanal pausiert im Dezember." in detail


def test_a_post_on_another_network_has_no_manual_page(make_user, make_channel, client_for) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    x = make_channel("x")
    ann = approved_announcement(editor, approver, [x.id])
    from hub.publishing import pipeline

    pipeline.dispatch_due()
    (delivery_id,) = db.session.scalars(
        select(Delivery.id).where(Delivery.announcement_id == ann.id)
    )
    client = client_for(editor)
    assert client.get(f"/admin/manual/{delivery_id}/").status_code == 404
    assert client.post(f"/admin/manual/{delivery_id}/posted", data={}).status_code in (400, 404)


def test_an_announcement_includes_a_manual_channel_with_its_own_long_text(
    english, make_user, make_channel, client_for
) -> None:
    """A manual channel is chosen like any other; its text may be long (WhatsApp: 65,536
    characters) and carry media; the counter and the preview know it."""
    editor = make_user("editor")
    whatsapp = make_channel("manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None)
    client = client_for(editor)
    assert "WhatsApp-Kanal Stadt Bochum" in client.get("/admin/announcements/new").text
    long_text = "Hitzewarnung für Bochum. " * 400  # 10,000 characters: too long for X, fine here
    saved = post_form(
        client,
        "/admin/announcements/new",
        {
            "title": "Hitze",
            "body": "Kurz: Hitzewarnung.",
            "channels": [str(whatsapp.id)],
            f"variant_{whatsapp.id}_body": long_text,
            "new_media-0-file": (io.BytesIO(image_bytes()), "hitze.png"),
            "new_media-0-alt_text": "Thermometer am Rathaus",
        },
    )
    assert saved.status_code == 302, saved.text[:2000]
    db.session.rollback()
    ann = db.session.scalars(select(Announcement)).one()
    assert ann.variant_for(whatsapp.id).body == long_text.strip()
    assert [m.alt_text for m in ann.media] == ["Thermometer am Rathaus"]
    detail = client.get(f"/admin/announcements/{ann.id}/").text
    assert "Manual · WhatsApp-Kanal Stadt Bochum" in detail  # the preview

    too_long = post_form(
        client,
        "/admin/announcements/new",
        {"title": "Zu lang", "body": "x" * 65537, "channels": [str(whatsapp.id)]},
    )
    assert too_long.status_code == 422 and "65,536" in too_long.text


def test_admin_names_the_responsible_person_in_the_channel_form(
    english, make_user, client_for
) -> None:
    admin, person = make_user("admin"), make_user("moderator", name="Wanda WhatsApp")
    client = client_for(admin)
    form = client.get("/admin/channels/new/").text
    assert "Left empty, the announcement's author is told." in form
    assert ">(nobody: the announcement's author)</option>" in form
    saved = post_form(
        client,
        "/admin/channels/new/",
        {
            **channel_fields("WhatsApp-Kanal Stadt Bochum", "manual", "whatsapp-bochum"),
            "responsible_user": str(person.id),
        },
    )
    assert saved.status_code == 302, saved.text[:2000]
    db.session.rollback()
    channel = db.session.scalars(select(Channel).where(Channel.network == "manual")).one()
    assert channel.responsible_user_id == person.id and not channel.credentials
