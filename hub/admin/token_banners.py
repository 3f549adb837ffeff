"""Banner for admins: channel logins that expire within 14 days, or already need a new login.

Registered on import (``hub.admin`` imports this module). Cheap: two indexed queries per page,
only for people who manage channels.
"""

from __future__ import annotations

from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from hub.admin.banners import Banner, banner_source
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.i18n import format_local
from hub.models import Channel, ChannelStatus
from hub.models.types import utcnow
from hub.publishing.tokens import WARN_DAYS, expiring_channels


@banner_source
def login_banners() -> list[Banner]:
    if not can(Permission.manage_channels):
        return []
    link = url_for("channels.index_view")
    banners: list[Banner] = []
    lost = db.session.scalar(
        select(func.count(Channel.id)).where(Channel.status == ChannelStatus.needs_reauth)
    )
    if lost:
        banners.append(
            Banner(
                "danger",
                ngettext(
                    "%(num)s channel needs a new login; its posts wait.",
                    "%(num)s channels need a new login; their posts wait.",
                    lost,
                ),
                link,
                _("Channels"),
            )
        )
    soon = utcnow() + timedelta(days=WARN_DAYS[-1])
    for channel in expiring_channels(within_days=WARN_DAYS[0]):
        expires = channel.token_expires_at
        assert expires is not None  # expiring_channels selects only channels with an expiry
        banners.append(
            Banner(
                "danger" if expires <= soon else "warning",
                _(
                    "The login of channel %(name)s expires on %(when)s; connect it again "
                    "before then.",
                    name=channel.name,
                    when=format_local(expires),
                ),
                link,
                _("Channels"),
            )
        )
    return banners
