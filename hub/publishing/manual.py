"""Manual channels: posts that a person makes by hand (WhatsApp channels, a notice board).

No software can post there, so hub never calls a network for them. When such a delivery falls
due, the dispatcher moves it to ``waiting_for_person`` (never ``queued``: no worker sees it) and
tells the responsible person: the channel's, or the announcement's author where the channel
names nobody. That person, an editor or an admin copies the text, posts it by hand and records
what happened here:

- :func:`mark_posted`: ``published``, with the post's link if it has one (a notice board has
  none). It counts as published; it has no figures (no network to ask).
- :func:`mark_skipped`: ``skipped``, with the reason (required). An end state; the announcement
  is judged by its other channels (all skipped: cancelled).

Both are refused in any other state (a second click, a crisis hold), and both are audited.
Not done ``HUB_MANUAL_OVERDUE_MINUTES`` after it fell due, it is flagged to the announcement's
author, once (:func:`flag_overdue`, in the dispatcher's pass).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from hub import audit
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.i18n import format_local
from hub.models import Channel, Delivery, DeliveryState, Network, User
from hub.models.types import utcnow
from hub.publishing.deliveries import checked_link
from hub.publishing.errors import NotAllowed, ValidationFailed, WrongState
from hub.publishing.notify import notify
from hub.publishing.pipeline import outgoing_post, refresh_announcement_status

#: The page a notice links to (the admin view ``manual`` serves it; a test holds them together).
#: A path, not ``url_for``: notices are written by workers, outside any request.
PAGE = "/admin/manual/{id}/"
#: The delivery's ``error_code`` once its author was told that it is overdue.
OVERDUE = "overdue"
#: A sane cap on the reason for skipping (the audit log keeps it too).
MAX_REASON = 1000


def is_manual(channel: Channel) -> bool:
    return channel.network == Network.manual


def responsible_person(delivery: Delivery) -> User | None:
    """Who posts it: the channel's responsible person, else the announcement's author
    (an inactive account counts as nobody)."""
    for person in (delivery.channel.responsible_user, delivery.announcement.author):
        if person is not None and person.active:
            return person
    return None


def is_responsible(delivery: Delivery, user: User) -> bool:
    person = responsible_person(delivery)
    return person is not None and person.id == user.id


def waiting_posts() -> list[Delivery]:
    """Every post on a manual channel that waits for a person, longest waiting first."""
    return list(
        db.session.scalars(
            select(Delivery)
            .join(Channel, Channel.id == Delivery.channel_id)
            .where(
                Channel.network == Network.manual,
                Delivery.state == DeliveryState.waiting_for_person,
            )
            .order_by(Delivery.first_attempt_at, Delivery.id)
        )
    )


def may_act(delivery: Delivery, user: User) -> bool:
    """The responsible person, editors and admins may mark it posted or skipped."""
    if user is None or not user.is_authenticated:
        return False
    if is_responsible(delivery, user):
        return True
    return can(Permission.post_by_hand, user)


def copy_text(delivery: Delivery) -> str:
    """The text exactly as it would be sent: the channel's variant (or the announcement's
    text) with the link appended, as every other network gets it."""
    return outgoing_post(delivery).text


def hand_over(delivery_ids: list[int]) -> None:
    """Tell each responsible person that their posts are due (called by the dispatcher,
    after it moved them to ``waiting_for_person``; committed with the dispatcher's pass)."""
    if not delivery_ids:
        return
    for delivery in db.session.scalars(select(Delivery).where(Delivery.id.in_(delivery_ids))):
        person = responsible_person(delivery)
        delivery.error_code = None
        if person is None:
            delivery.error_message = _(
                "Nobody is responsible for this channel and the author's account is switched "
                "off: an editor or admin must post it by hand."
            )
            continue
        delivery.error_message = _(
            "Waiting for %(name)s to post it by hand.", name=person.display_name
        )
        notify(
            [person],
            "manual_post_due",
            _(
                "Please post “%(title)s” by hand on %(channel)s, then mark it as posted.",
                title=delivery.announcement.title,
                channel=delivery.channel.name,
            ),
            link=PAGE.format(id=delivery.id),
        )
        audit.record("delivery.handed_over", delivery, person=person.email)


def flag_overdue(now: datetime, after: timedelta) -> None:
    """Posts still waiting for their person ``after`` they fell due: the author is told, once
    (each is claimed by a conditional UPDATE, so two dispatchers never both tell), and the
    delivery's message says since when it waits. Called by the dispatcher's pass."""
    overdue = db.session.scalars(
        select(Delivery.id)
        .join(Channel, Channel.id == Delivery.channel_id)
        .where(
            Channel.network == Network.manual,
            Delivery.state == DeliveryState.waiting_for_person,
            Delivery.first_attempt_at < now - after,
            Delivery.error_code.is_distinct_from(OVERDUE),
        )
    ).all()
    for delivery_id in overdue:
        claimed = db.session.execute(
            update(Delivery)
            .where(
                Delivery.id == delivery_id,
                Delivery.state == DeliveryState.waiting_for_person,
                Delivery.error_code.is_distinct_from(OVERDUE),
            )
            .values(error_code=OVERDUE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        delivery = db.session.get(Delivery, delivery_id)
        assert delivery is not None
        db.session.refresh(delivery)
        person = responsible_person(delivery)
        since = format_local(delivery.first_attempt_at)
        delivery.error_message = _(
            "Overdue: due since %(when)s and not yet marked as posted or skipped by %(name)s.",
            when=since,
            name=person.display_name if person else _("anybody"),
        )
        author = delivery.announcement.author
        if author is not None and author.active:
            notify(
                [author],
                "manual_post_overdue",
                _(
                    "“%(title)s” is not yet posted by hand on %(channel)s (due since %(when)s).",
                    title=delivery.announcement.title,
                    channel=delivery.channel.name,
                    when=since,
                ),
                link=PAGE.format(id=delivery.id),
            )
        audit.record("delivery.overdue", delivery, person=person.email if person else None)


def _check(delivery: Delivery, user: User) -> None:
    if not is_manual(delivery.channel):
        raise WrongState(_("Only posts on manual channels are marked by hand."))
    if not may_act(delivery, user):
        raise NotAllowed(_("Only the responsible person, editors and admins can mark this post."))
    if delivery.state != DeliveryState.waiting_for_person:
        raise WrongState(_("This delivery is no longer in a state that allows this."))


def mark_posted(delivery: Delivery, user: User, url: str | None) -> None:
    """The person posted it by hand: published, with its link if it has one."""
    _check(delivery, user)
    link = checked_link(url) if (url or "").strip() else None
    delivery.state = DeliveryState.published
    delivery.url = link
    delivery.published_at = utcnow()
    delivery.error_code = None
    delivery.error_message = None
    audit.record("delivery.posted_by_hand", delivery, actor=user, url=link)
    db.session.flush()
    refresh_announcement_status(delivery.announcement)


def mark_skipped(delivery: Delivery, user: User, reason: str) -> None:
    """The person decided not to post it: skipped, with the reason shown in its place."""
    _check(delivery, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Please say why it is not posted.")]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": [_("At most %(n)s characters, please.", n=MAX_REASON)]})
    delivery.state = DeliveryState.skipped
    delivery.error_code = "skipped"
    delivery.error_message = _(
        "Skipped by %(name)s: %(reason)s", name=user.display_name, reason=reason
    )
    audit.record("delivery.skipped", delivery, actor=user, reason=reason)
    db.session.flush()
    refresh_announcement_status(delivery.announcement)
