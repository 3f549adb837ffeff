"""The admin start page: what needs the viewer's attention right now."""

from __future__ import annotations

from flask_admin import AdminIndexView, expose
from flask_login import current_user

from hub.admin.access import ProtectedView
from hub.admin.announcements import queries
from hub.auth.permissions import Permission, can
from hub.publishing import labels, manual


class DashboardView(ProtectedView, AdminIndexView):
    """Any logged-in person may open it; each box shows only what the person may act on."""

    required_permission = None

    @expose("/")
    def index(self) -> str:
        user = current_user
        return self.render(
            "admin/dashboard.html",
            drafts=queries.my_drafts(user) if can(Permission.compose) else [],
            to_review=queries.waiting_for_review(user) if can(Permission.approve) else [],
            scheduled=queries.scheduled_next(),
            failures=queries.recent_failures(),
            by_hand=[d for d in manual.waiting_posts() if manual.is_responsible(d, user)],
            badges=queries.channel_badges,
            labels=labels,
            can_compose=can(Permission.compose),
        )
