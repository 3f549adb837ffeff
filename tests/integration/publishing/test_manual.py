"""Manual channels (no API) in the delivery state machine, on SQLite and PostgreSQL.

Due: the delivery waits for a person (never queued, no worker, no network), who is told once.
Posted: published with its link (or none). Skipped: an end state with the reason. Only the
responsible person (else the author), editors and admins may mark it; both are audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import (
    AnnouncementStatus,
    AuditEvent,
    Delivery,
    DeliveryState,
    Notification,
)
from hub.publishing import hold, manual, pipeline
from hub.publishing.errors import NotAllowed, ValidationFailed, WrongState
from tests.support import publish_due


@pytest.fixture
def whatsapp(make_user, make_channel):  # type: ignore[no-untyped-def]
    person = make_user("moderator", name="Wanda WhatsApp")
    channel = make_channel(
        "manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None, responsible_user=person
    )
    channel.person = person  # type: ignore[attr-defined]
    return channel


def _due(approved, *channels):  # type: ignore[no-untyped-def]
    ann = approved(channels=list(channels), body="Hitzewarnung: Trinken Sie ausreichend.")
    assert publish_due() == []  # nothing for a worker: the manual post goes to its person
    db.session.expire_all()
    return ann


def _notices(user) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_due_manual_post_waits_for_its_person_who_is_told_once(approved, whatsapp) -> None:
    ann = _due(approved, whatsapp)
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.waiting_for_person
    assert delivery.attempts == 0 and delivery.lease_token is None
    assert ann.status == AnnouncementStatus.publishing
    (notice,) = _notices(whatsapp.person)
    assert notice.kind == "manual_post_due"
    assert notice.link == manual.PAGE.format(id=delivery.id)
    assert "WhatsApp-Kanal Stadt Bochum" in notice.message
    assert "delivery.handed_over" in _actions()
    # Later passes neither queue it nor tell the person again.
    assert not pipeline.dispatch_due()
    assert len(_notices(whatsapp.person)) == 1
    assert manual.copy_text(delivery) == "Hitzewarnung: Trinken Sie ausreichend."


def test_without_a_responsible_person_the_author_is_told(approved, make_channel) -> None:
    channel = make_channel("manual", name="Aushang Rathaus", credentials=None)
    ann = _due(approved, channel)
    (notice,) = _notices(approved.editor)
    assert notice.kind == "manual_post_due"
    assert manual.responsible_person(ann.deliveries[0]).id == approved.editor.id


def test_a_queued_manual_delivery_is_never_sent_by_a_worker(approved, whatsapp) -> None:
    """Even a stray hint (a delivery queued by hand or by an older hub) reaches no network:
    the worker puts it back, the dispatcher hands it to the person."""
    ann = approved(channels=[whatsapp], when=None)
    pipeline._start_due_announcements(pipeline.utcnow(), held=False, batch=10)
    (delivery,) = ann.deliveries
    delivery.state = DeliveryState.queued
    db.session.commit()

    def no_network(channel):  # type: ignore[no-untyped-def]
        raise AssertionError("a manual channel must never reach a connector")

    assert pipeline.run_publish(delivery.id, connector_factory=no_network) == "skipped"
    pipeline.dispatch_due()
    db.session.expire_all()
    assert delivery.state == DeliveryState.waiting_for_person


def test_posted_with_a_link_publishes_and_skipped_ends_on_purpose(
    approved, whatsapp, make_channel
) -> None:
    board = make_channel("manual", name="Aushang Rathaus", credentials=None)
    ann = _due(approved, whatsapp, board)
    on_whatsapp = next(d for d in ann.deliveries if d.channel_id == whatsapp.id)
    on_board = next(d for d in ann.deliveries if d.channel_id == board.id)

    url = "https://whatsapp.com/channel/0029VaBochum/123"
    manual.mark_posted(on_whatsapp, whatsapp.person, f"  {url} ")
    db.session.commit()
    assert on_whatsapp.state == DeliveryState.published and on_whatsapp.url == url
    assert on_whatsapp.published_at is not None and on_whatsapp.remote_id is None  # no figures
    assert ann.status == AnnouncementStatus.publishing  # the notice board still waits

    with pytest.raises(ValidationFailed):
        manual.mark_skipped(on_board, approved.editor, "   ")  # a reason is required
    manual.mark_skipped(on_board, approved.editor, "Aushang ist diese Woche voll.")
    db.session.commit()
    db.session.expire_all()
    assert on_board.state == DeliveryState.skipped
    assert "Aushang ist diese Woche voll." in on_board.error_message
    assert ann.status == AnnouncementStatus.published  # skipped on purpose does not count

    events = {
        e.action: e
        for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "delivery"))
    }
    assert events["delivery.posted_by_hand"].details["url"] == url
    assert events["delivery.posted_by_hand"].actor_id == whatsapp.person.id
    assert events["delivery.skipped"].details["reason"] == "Aushang ist diese Woche voll."
    # Done is done: a second mark is refused.
    with pytest.raises(WrongState):
        manual.mark_skipped(on_whatsapp, approved.editor, "doch nicht")


def test_posted_without_a_link_and_only_web_links(approved, whatsapp) -> None:
    ann = _due(approved, whatsapp)
    (delivery,) = ann.deliveries
    for bad in ("javascript:alert(1)", "ftp://example.org/x", "whatsapp.com/channel"):
        with pytest.raises(ValidationFailed):
            manual.mark_posted(delivery, whatsapp.person, bad)
    manual.mark_posted(delivery, whatsapp.person, "")
    db.session.commit()
    db.session.expire_all()
    assert delivery.state == DeliveryState.published and delivery.url is None
    assert ann.status == AnnouncementStatus.published


def test_every_channel_skipped_leaves_the_announcement_cancelled(approved, whatsapp) -> None:
    ann = _due(approved, whatsapp)
    manual.mark_skipped(ann.deliveries[0], whatsapp.person, "Nicht relevant für WhatsApp.")
    db.session.commit()
    db.session.expire_all()
    assert ann.status == AnnouncementStatus.cancelled


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("editor",), True),
        (("admin",), True),
        (("approver",), False),
        (("moderator",), False),  # a moderator who is not the responsible person
        (("manager",), False),
    ],
)
def test_who_may_mark_a_manual_post(approved, whatsapp, make_user, roles, allowed) -> None:
    ann = _due(approved, whatsapp)
    (delivery,) = ann.deliveries
    user = make_user(*roles)
    assert manual.may_act(delivery, user) is allowed
    assert manual.may_act(delivery, whatsapp.person)  # the responsible person, a moderator
    if allowed:
        manual.mark_posted(delivery, user, "https://example.org/aushang")
        db.session.commit()
        assert delivery.state == DeliveryState.published
    else:
        with pytest.raises(NotAllowed):
            manual.mark_posted(delivery, user, "https://example.org/aushang")
        with pytest.raises(NotAllowed):
            manual.mark_skipped(delivery, user, "Keine Lust")
        db.session.rollback()
        assert db.session.get(Delivery, delivery.id).state == DeliveryState.waiting_for_person


def test_the_author_is_no_longer_responsible_once_the_channel_names_someone(
    approved, whatsapp, make_user
) -> None:
    """The fallback is only a fallback: an author without the editor role (here: the
    editor's role taken away) cannot mark a post that the channel gave to someone else."""
    ann = _due(approved, whatsapp)
    author = approved.editor
    author.roles = []
    db.session.commit()
    assert not manual.may_act(ann.deliveries[0], author)


def test_the_crisis_hold_holds_posts_waiting_for_a_person(approved, whatsapp, make_user) -> None:
    ann = _due(approved, whatsapp)
    admin = make_user("admin")
    hold.start_hold("Großlage", admin)
    db.session.commit()
    db.session.expire_all()
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.held
    with pytest.raises(WrongState):
        manual.mark_posted(delivery, whatsapp.person, "")
    hold.lift_hold(admin)
    hold.release([delivery.id], admin)
    db.session.commit()
    pipeline.dispatch_due()
    db.session.expire_all()
    assert delivery.state == DeliveryState.waiting_for_person
    assert len(_notices(whatsapp.person)) == 2  # told again after the hold


def test_cancel_stops_a_post_waiting_for_a_person(approved, whatsapp) -> None:
    from hub.publishing import workflow

    ann = _due(approved, whatsapp)
    workflow.cancel(ann, approved.editor)
    db.session.commit()
    db.session.expire_all()
    assert ann.deliveries[0].state == DeliveryState.cancelled
    with pytest.raises(WrongState):
        manual.mark_posted(ann.deliveries[0], whatsapp.person, "")


def test_a_post_not_done_in_time_is_flagged_to_the_author_once(
    app, approved, whatsapp, english
) -> None:
    ann = _due(approved, whatsapp)
    (delivery,) = ann.deliveries
    minutes = app.config["HUB_SETTINGS"].manual_overdue_minutes
    soon = delivery.first_attempt_at + timedelta(minutes=minutes - 1)
    pipeline.dispatch_due(now=soon)
    assert _notices(approved.editor) == []
    late = delivery.first_attempt_at + timedelta(minutes=minutes + 1)
    pipeline.dispatch_due(now=late)
    pipeline.dispatch_due(now=late + timedelta(minutes=5))
    db.session.expire_all()
    (notice,) = _notices(approved.editor)
    assert notice.kind == "manual_post_overdue"
    assert notice.link == manual.PAGE.format(id=delivery.id)
    assert delivery.state == DeliveryState.waiting_for_person
    assert delivery.error_code == manual.OVERDUE and "Overdue" in delivery.error_message
    assert _actions().count("delivery.overdue") == 1
    # Still markable; once posted the flag is gone.
    manual.mark_posted(delivery, whatsapp.person, "")
    db.session.commit()
    assert delivery.error_code is None and delivery.error_message is None
