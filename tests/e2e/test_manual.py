"""A manual channel (WhatsApp channel) with real Celery workers and beat: at its time the post
waits for its person, who is told; no worker takes it and no network is called."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.extensions import db
from hub.models import AnnouncementStatus, DeliveryState, Notification
from hub.models.types import utcnow
from hub.publishing import manual
from tests.e2e.conftest import fresh, wait_for_states
from tests.support import approved_announcement, wait_until


def test_due_manual_post_waits_for_its_person_and_no_network_is_called(
    stack, app, make_user, make_channel, sandbox
) -> None:
    person = make_user("moderator", name="Wanda WhatsApp")
    channel = make_channel(
        "manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None, responsible_user=person
    )
    editor, approver = make_user("editor"), make_user("approver")
    # The only channel in this office: whatever reached the sandbox now would be for it.
    calls_before = len(sandbox.requests())
    stack.start_worker()
    stack.start_beat()
    ann = approved_announcement(
        editor,
        approver,
        [channel.id],
        title="Hitzewarnung",
        body="Hitzewarnung für Bochum: Trinken Sie ausreichend.",
        when=utcnow() + timedelta(seconds=2),
    )
    (delivery,) = wait_for_states(ann, {DeliveryState.waiting_for_person}, timeout=90)
    assert fresh(ann).status == AnnouncementStatus.publishing
    notices = wait_until(
        lambda: db.session.scalars(
            select(Notification).where(Notification.user_id == person.id)
        ).all(),
        timeout=30,
        what="the notice to the responsible person",
    )
    assert [n.link for n in notices] == [manual.PAGE.format(id=delivery.id)]

    # Several more dispatcher passes (every 0.5 s) later: still waiting, never attempted.
    later = utcnow() + timedelta(seconds=3)
    wait_until(lambda: utcnow() > later, what="three seconds of dispatching")
    delivery = fresh(delivery)
    assert delivery.state == DeliveryState.waiting_for_person
    assert delivery.attempts == 0 and delivery.lease_token is None
    assert len(sandbox.requests()) == calls_before
    db.session.expire_all()
    assert (
        len(db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all())
        == 1
    )
