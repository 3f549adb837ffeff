"""Banner for admins: due posts have been waiting too long (publishing has stopped).

When beat or every worker stops, nothing fails and nothing is logged; posts simply stay due. This
banner is read from the database on each page view (:mod:`hub.publishing.dispatch_health`), so it
appears even when no background process runs at all. Registered on import (``hub.admin``
imports this module). Cheap: a handful of indexed queries, only for admins.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _

from hub.admin.banners import Banner, banner_source
from hub.auth.permissions import Permission, can
from hub.i18n import format_local
from hub.models.types import utcnow
from hub.publishing import dispatch_health


@banner_source
def stalled_publishing_banner() -> list[Banner]:
    # Admins: the people who run hub and can call IT (the crisis hold is theirs too).
    if not can(Permission.crisis_hold):
        return []
    alert_after = timedelta(minutes=current_app.config["HUB_SETTINGS"].dispatch_alert_minutes)
    now = utcnow()
    since = dispatch_health.overdue_since(alert_after, now)
    if since is None:
        return []
    last = dispatch_health.last_pass_at()
    if last is None:
        message = _(
            "Publishing has stopped: posts due since %(since)s have not gone out, and hub's "
            "scheduler has never run. Please ask your IT to check hub's beat and workers.",
            since=format_local(since),
        )
    elif now - last > alert_after:
        message = _(
            "Publishing has stopped: posts due since %(since)s have not gone out, and hub's "
            "scheduler last ran at %(last)s. Please ask your IT to check hub's beat and workers.",
            since=format_local(since),
            last=format_local(last),
        )
    else:
        message = _(
            "Posts due since %(since)s have not gone out yet. Please ask your IT to check "
            "hub's workers.",
            since=format_local(since),
        )
    return [Banner("danger", message, url_for("announcements.index"), _("Announcements"))]
