"""What the inbox's filters and forms offer to choose from (small lookups, one query each).

The list page loads the channels and the moderators once and derives every choice that needs
them from those lists (``networks_of``, ``people``): the same rows, asked for only once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from hub.extensions import db
from hub.inbox import labels
from hub.inbox.operations import moderators
from hub.models import Announcement, Channel, Delivery, DeliveryState, Tag, User
from hub.publishing.labels import NETWORK

RECENT_ANNOUNCEMENTS = 50


def networks_of(channels: Iterable[Channel]) -> list[tuple[str, str]]:
    """The networks the office has channels on, from the channels already loaded (no query)."""
    used = {c.network for c in channels}
    return [(n, NETWORK.get(n, n)) for n in sorted(used)]


def channels() -> list[Channel]:
    return list(db.session.scalars(select(Channel).order_by(Channel.network, Channel.name)))


def statuses() -> list[tuple[str, str]]:
    return [(k, str(v)) for k, v in labels.STATUS_FILTER.items()]


def moderator_choices(empty: str, people: list[User] | None = None) -> list[tuple[str, str]]:
    """``people``: :func:`~hub.inbox.operations.moderators`, when the caller has them already."""
    people = moderators() if people is None else people
    return [("", empty)] + [(str(u.id), u.display_name) for u in people]


def assignee_filter(people: list[User] | None = None) -> list[tuple[str, str]]:
    """``people``: :func:`~hub.inbox.operations.moderators`, when the caller has them already."""
    people = moderators() if people is None else people
    return [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))] + [
        (str(u.id), u.display_name) for u in people
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


@dataclass(frozen=True)
class FilterChoices:
    """Everything the list's filter form offers, gathered before the page is read."""

    networks: list[tuple[str, str]]
    channels: list[Channel]
    statuses: list[tuple[str, str]]
    assignees: list[tuple[str, str]]
    announcements: list[tuple[int, str]]
    tags: list[Tag]


def filter_choices(channel_list: list[Channel], people: list[User]) -> FilterChoices:
    """The filter form's choices from the channels and moderators the caller loaded."""
    return FilterChoices(
        networks=networks_of(channel_list),
        channels=channel_list,
        statuses=statuses(),
        assignees=assignee_filter(people),
        announcements=announcements(),
        tags=tags(),
    )
