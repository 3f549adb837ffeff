"""Notices to people when publishing needs them (a channel lost its login, a post failed)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from hub.extensions import db
from hub.models import Announcement, Channel, Notification, Role, RoleName, User


def admins() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.roles.any(Role.name == RoleName.admin))
        )
    )


def notify(users: list[User], kind: str, message: str, link: str | None = None) -> None:
    for user in {u.id: u for u in users}.values():
        db.session.add(Notification(user_id=user.id, kind=kind, message=message, link=link))


def notify_channel_needs_login(channel: Channel, announcement: Announcement | None) -> None:
    """Tell the author of the affected announcement and every admin."""
    users = admins()
    if announcement is not None and announcement.author is not None:
        users.append(announcement.author)
    notify(
        users,
        "channel_needs_login",
        _(
            "The channel %(name)s (%(network)s) needs a new login; its posts wait until then.",
            name=channel.name,
            network=channel.network,
        ),
    )
