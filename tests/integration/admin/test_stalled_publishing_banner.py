"""Admins see on every page when due posts have waited too long: publishing has stopped and no
background process says so (hub/admin/dispatch_banner.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from hub.extensions import db
from hub.models import Delivery
from hub.models.types import utcnow
from hub.publishing import dispatch_health, pipeline
from tests.support import approved_announcement

STOPPED = "Publishing has stopped"
WORKERS = "Please ask your IT to check hub&#39;s workers"


def test_admins_see_when_the_scheduler_never_ran(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    admin = client_for(make_user("admin"))
    assert STOPPED not in admin.get("/admin/announcements/").text  # nothing waits
    # Due 10 minutes ago (the alert comes after 5): beat never ran, nothing was started.
    approved_announcement(
        editor, approver, [make_channel("x").id], when=utcnow() - timedelta(minutes=10)
    )
    for page in ("/admin/announcements/", "/admin/channels/", "/admin/notices/"):
        text = admin.get(page).text
        assert STOPPED in text and "has never run" in text, page
    # Only admins: an editor or approver cannot do anything about it.
    assert STOPPED not in client_for(editor).get("/admin/announcements/").text
    assert STOPPED not in client_for(approver).get("/admin/announcements/").text


def test_admins_see_when_the_scheduler_stopped(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    admin = client_for(make_user("admin"))
    approved_announcement(
        editor, approver, [make_channel("x").id], when=utcnow() - timedelta(minutes=10)
    )
    dispatch_health.record_pass(utcnow() - timedelta(minutes=12))  # then beat stopped
    text = admin.get("/admin/announcements/").text
    assert STOPPED in text and "last ran at" in text
    # Beat runs again and hands the post out: the banner goes.
    pipeline.dispatch_due()
    assert STOPPED not in admin.get("/admin/announcements/").text


def test_admins_see_when_the_scheduler_runs_but_no_worker_takes_the_posts(
    english, make_user, make_channel, client_for
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    admin = client_for(make_user("admin"))
    ann = approved_announcement(editor, approver, [make_channel("x").id])
    pipeline.dispatch_due()  # queued for a worker ...
    assert WORKERS not in admin.get("/admin/announcements/").text  # ... just now: fine
    # ... six minutes ago, and the dispatcher keeps running: the workers are gone.
    db.session.execute(
        update(Delivery)
        .where(Delivery.announcement_id == ann.id)
        .values(next_attempt_at=utcnow() - timedelta(minutes=6))
    )
    db.session.commit()
    pipeline.dispatch_due()
    text = admin.get("/admin/announcements/").text
    assert WORKERS in text and STOPPED not in text
