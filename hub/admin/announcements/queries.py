"""Reading announcements for the list and the dashboard, without N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from hub.extensions import db
from hub.models import (
    Announcement,
    AnnouncementStatus,
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryState,
    User,
    Variant,
)

PAGE_SIZE = 25
DASHBOARD_ROWS = 8
TROUBLE_STATES = (DeliveryState.failed, DeliveryState.needs_review)


@dataclass(frozen=True)
class ChannelBadge:
    """One channel of an announcement: its delivery state, or None while nothing is sent."""

    channel: Channel
    state: str | None


@dataclass(frozen=True)
class Page:
    items: list[Announcement]
    number: int
    total: int

    @property
    def has_next(self) -> bool:
        return self.number * PAGE_SIZE < self.total

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def _with_channels(query: Select) -> Select:  # type: ignore[type-arg]
    return query.options(
        selectinload(Announcement.variants).selectinload(Variant.channel),
        selectinload(Announcement.deliveries).selectinload(Delivery.channel),
        selectinload(Announcement.author),
    )


def announcement_page(status: str | None, number: int) -> Page:
    """Newest first, optionally of one status."""
    where = [Announcement.status == status] if status else []
    total = db.session.scalar(select(func.count(Announcement.id)).where(*where)) or 0
    number = max(1, number)
    query = (
        select(Announcement)
        .where(*where)
        .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        .limit(PAGE_SIZE)
        .offset((number - 1) * PAGE_SIZE)
    )
    return Page(list(db.session.scalars(_with_channels(query))), number, total)


def channel_badges(announcement: Announcement) -> list[ChannelBadge]:
    if announcement.deliveries:
        return [ChannelBadge(d.channel, d.state) for d in announcement.deliveries]
    return [ChannelBadge(v.channel, None) for v in announcement.variants]


def selectable_channels(announcement: Announcement | None) -> list[Channel]:
    """Active channels, plus any the announcement already uses (so none vanish silently)."""
    chosen = [v.channel_id for v in announcement.variants] if announcement else []
    query = (
        select(Channel)
        .where(or_(Channel.status == ChannelStatus.active, Channel.id.in_(chosen)))
        .order_by(Channel.network, Channel.name, Channel.id)
    )
    return list(db.session.scalars(query))


def my_drafts(user: User) -> list[Announcement]:
    query = (
        select(Announcement)
        .where(Announcement.author_id == user.id, Announcement.status == AnnouncementStatus.draft)
        .order_by(Announcement.updated_at.desc())
        .limit(DASHBOARD_ROWS)
    )
    return list(db.session.scalars(_with_channels(query)))


def waiting_for_review(user: User) -> list[Announcement]:
    """In review and written by someone else: what this approver can act on."""
    query = (
        select(Announcement)
        .where(
            Announcement.status == AnnouncementStatus.in_review,
            Announcement.author_id != user.id,
        )
        .order_by(Announcement.submitted_at.asc(), Announcement.id.asc())
        .limit(DASHBOARD_ROWS)
    )
    return list(db.session.scalars(_with_channels(query)))


def scheduled_next() -> list[Announcement]:
    query = (
        select(Announcement)
        .where(Announcement.status == AnnouncementStatus.scheduled)
        .order_by(Announcement.scheduled_at.asc(), Announcement.id.asc())
        .limit(DASHBOARD_ROWS)
    )
    return list(db.session.scalars(_with_channels(query)))


def recent_failures() -> list[Delivery]:
    query = (
        select(Delivery)
        .where(Delivery.state.in_(TROUBLE_STATES))
        .order_by(Delivery.updated_at.desc(), Delivery.id.desc())
        .limit(DASHBOARD_ROWS)
        .options(selectinload(Delivery.channel), selectinload(Delivery.announcement))
    )
    return list(db.session.scalars(query))
