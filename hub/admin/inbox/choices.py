"""What the inbox's filters and forms offer to choose from (small lookups, one query each)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from hub.extensions import db
from hub.inbox import labels
from hub.inbox.operations import moderators
from hub.models import Announcement, Channel, Delivery, DeliveryState, Tag
from hub.publishing.labels import NETWORK

RECENT_ANNOUNCEMENTS = 50


def networks() -> list[tuple[str, str]]:
    used = db.session.scalars(select(Channel.network).distinct()).all()
    return [(n, NETWORK.get(n, n)) for n in sorted(used)]


def channels() -> list[Channel]:
    return list(db.session.scalars(select(Channel).order_by(Channel.network, Channel.name)))


def statuses() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in labels.STATUS_FILTER.items()]


def moderator_choices(empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(u.id), u.display_name) for u in moderators()]


def assignee_filter() -> list[tuple[str, str]]:
    return [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))] + [
        (str(u.id), u.display_name) for u in moderators()
    ]


def announcements() -> list[tuple[int, str]]:
    """Recently published announcements, for the "comments on this announcement" filter."""
    rows = db.session.execute(
        select(Announcement.id, Announcement.title)
        .where(
            Announcement.id.in_(
                select(Delivery.announcement_id).where(Delivery.state == DeliveryState.published)
            )
        )
        .order_by(Announcement.id.desc())
        .limit(RECENT_ANNOUNCEMENTS)
    ).all()
    return [(row.id, row.title) for row in rows]


def tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.name)))


def bulk_actions() -> list[tuple[str, str]]:
    return [
        ("assign", _("Assign")),
        ("unassign", _("Unassign")),
        ("done", _("Mark as done")),
        ("hide", _("Hide on the network")),
    ]
