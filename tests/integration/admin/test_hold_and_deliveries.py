"""The crisis hold page, the delivery buttons on an announcement, and personal notices."""

from __future__ import annotations

from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEvent, Delivery, DeliveryState, Notification
from hub.publishing import pipeline
from tests.conftest import csrf_from
from tests.support import approved_announcement


def _approved(make_user, make_channel, *networks: str):  # type: ignore[no-untyped-def]
    editor, approver = make_user("editor"), make_user("approver")
    ann = approved_announcement(
        editor,
        approver,
        [make_channel(n).id for n in networks],
        title="Hitzewarnung",
        body="Trinken Sie ausreichend.",
    )
    return ann, editor


def _states(ann_id: int) -> set[str]:
    db.session.rollback()
    return set(db.session.scalars(select(Delivery.state).where(Delivery.announcement_id == ann_id)))


def test_admin_holds_everything_banner_everywhere_then_triages(
    english, make_user, make_channel, client_for
) -> None:
    ann, editor = _approved(make_user, make_channel, "x", "facebook")
    admin = client_for(make_user("admin"))
    page = admin.get("/admin/hold/")
    assert page.status_code == 200 and 'id="hold-all"' in page.text

    admin.post(
        "/admin/hold/start",
        data={"csrf_token": csrf_from(page.text), "reason": "Großbrand <script>alert(1)</script>"},
    )
    pipeline.dispatch_due()
    assert _states(ann.id) == {DeliveryState.held}

    # Every page of every person shows the banner, escaped.
    editor_page = client_for(editor).get("/admin/announcements/").text
    assert "Großbrand &lt;script&gt;" in editor_page and "<script>alert(1)" not in editor_page

    page = admin.get("/admin/hold/")
    assert 'id="held-count">2<' in page.text
    lift = admin.post("/admin/hold/lift", data={"csrf_token": csrf_from(page.text)})
    assert lift.status_code == 302
    pipeline.dispatch_due()
    assert _states(ann.id) == {DeliveryState.held}  # lifting flushes nothing
    page = admin.get("/admin/hold/")
    assert "wait for you to release" in page.text  # the triage banner

    ids = sorted(db.session.scalars(select(Delivery.id).where(Delivery.announcement_id == ann.id)))
    admin.post(
        "/admin/hold/triage",
        data={"csrf_token": csrf_from(page.text), "action": "cancel", "delivery": [ids[1]]},
    )
    page = admin.get("/admin/hold/")
    admin.post(
        "/admin/hold/triage",
        data={"csrf_token": csrf_from(page.text), "action": "release", "delivery": [ids[0]]},
    )
    assert _states(ann.id) == {DeliveryState.pending, DeliveryState.cancelled}
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {
        "publishing.hold_started",
        "publishing.hold_lifted",
        "delivery.cancelled",
        "delivery.released",
    } <= actions


def test_reschedule_needs_a_time_and_hold_needs_a_reason(
    make_user, make_channel, client_for
) -> None:
    admin = client_for(make_user("admin"))
    page = admin.get("/admin/hold/")
    refused = admin.post(
        "/admin/hold/start",
        data={"csrf_token": csrf_from(page.text), "reason": " "},
        follow_redirects=True,
    )
    assert "reason" in refused.text
    assert 'id="hold-all"' in refused.text  # still not on hold


def test_only_admins_reach_the_hold(make_user, client_for) -> None:
    editor = client_for(make_user("editor", "approver", "moderator", "manager"))
    assert editor.get("/admin/hold/").status_code == 403
    assert editor.post("/admin/hold/start", data={"reason": "x"}).status_code in (400, 403)


def test_editor_retries_a_failed_delivery_from_the_page(
    make_user, make_channel, client_for
) -> None:
    ann, editor = _approved(make_user, make_channel, "x")
    (delivery_id,) = pipeline.dispatch_due().publish
    delivery = db.session.get(Delivery, delivery_id)
    delivery.state = DeliveryState.failed
    delivery.error_message = "X refused the post: duplicate content"
    db.session.commit()

    manager = client_for(make_user("manager"))
    page = manager.get(f"/admin/announcements/{ann.id}/").text
    assert "duplicate content" in page and 'data-action="retry"' not in page
    refused = manager.post(
        f"/admin/announcements/deliveries/{delivery_id}/retry", data={"csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 302 and _states(ann.id) == {DeliveryState.failed}

    author = client_for(editor)
    page = author.get(f"/admin/announcements/{ann.id}/").text
    assert 'data-action="retry"' in page
    author.post(
        f"/admin/announcements/deliveries/{delivery_id}/retry", data={"csrf_token": csrf_from(page)}
    )
    assert _states(ann.id) == {DeliveryState.pending}


def test_editor_marks_needs_review_as_published_with_a_link(
    english, make_user, make_channel, client_for
) -> None:
    ann, editor = _approved(make_user, make_channel, "facebook")
    (delivery_id,) = pipeline.dispatch_due().publish
    db.session.get(Delivery, delivery_id).state = DeliveryState.needs_review
    db.session.commit()
    author = client_for(editor)
    page = author.get(f"/admin/announcements/{ann.id}/").text
    assert 'data-action="publish_again"' in page and 'data-action="mark_published"' in page
    bad = author.post(
        f"/admin/announcements/deliveries/{delivery_id}/mark_published",
        data={"csrf_token": csrf_from(page), "url": "irgendwo"},
        follow_redirects=True,
    )
    assert "full link" in bad.text and _states(ann.id) == {DeliveryState.needs_review}
    author.post(
        f"/admin/announcements/deliveries/{delivery_id}/mark_published",
        data={"csrf_token": csrf_from(page), "url": "https://www.facebook.com/stadt/posts/9"},
    )
    assert _states(ann.id) == {DeliveryState.published}
    assert db.session.get(Delivery, delivery_id).url == "https://www.facebook.com/stadt/posts/9"


def test_notices_banner_and_page_are_personal(make_user, client_for) -> None:
    alice, bob = make_user("editor"), make_user("editor")
    db.session.add(
        Notification(user_id=alice.id, kind="channel_needs_login", message="X braucht Login")
    )
    db.session.commit()
    alice_client, bob_client = client_for(alice), client_for(bob)
    assert "X braucht Login" in alice_client.get("/admin/announcements/").text
    assert "X braucht Login" not in bob_client.get("/admin/announcements/").text
    page = alice_client.get("/admin/notices/")
    assert 'data-read="no"' in page.text
    alice_client.post("/admin/notices/read", data={"csrf_token": csrf_from(page.text)})
    assert "X braucht Login" not in alice_client.get("/admin/announcements/").text
    assert 'data-read="yes"' in alice_client.get("/admin/notices/").text
