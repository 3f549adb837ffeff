"""The Flask-Admin backend: dashboard, announcements, channels, users and the audit log.

``init_admin`` builds a fresh ``Admin`` per app (views are bound to one app), registers our
templates and static files, the Jinja globals the master template uses, and the styled login
page. Access is decided in one place, ``hub.admin.access.ProtectedView``.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from hub.admin import (
    dispatch_banner,  # noqa: F401  (registers the stalled-publishing banner)
    token_banners,  # noqa: F401  (registers the channel-login banner)
)
from hub.admin.announcements import AnnouncementsView
from hub.admin.api_tokens import ApiTokensView
from hub.admin.audit_log import AuditLogView
from hub.admin.channels import ChannelView
from hub.admin.connect import add_connect_view
from hub.admin.dashboard import DashboardView
from hub.admin.engagement import EngagementView
from hub.admin.hold import HoldView
from hub.admin.inbox import InboxView, KeywordRuleView, SavedReplyView, TagView
from hub.admin.jinja import register_template_globals
from hub.admin.manual import ManualPostsView
from hub.admin.notifications import NotificationsView
from hub.admin.users import UserView
from hub.extensions import db
from hub.models import AuditEvent, Channel, KeywordRule, SavedReply, Tag, User
from hub.public_media import init_public_media
from hub.web import csp_nonce

MASTER_TEMPLATE = "admin/hub_master.html"
LOGIN_TEMPLATE = "admin/security/login_user.html"


def init_admin(app: Flask) -> None:
    # Registered before the admin views, so our templates are found first.
    app.register_blueprint(
        Blueprint(
            "hub_admin",
            __name__,
            template_folder="templates",
            static_folder="static",
            static_url_path="/admin/hub-static",
        )
    )
    # Flask-Security's blueprint was registered earlier, so its templates win by name: point
    # the login view at ours instead (Flask-Security has already filled in its default).
    if app.config.get("SECURITY_LOGIN_USER_TEMPLATE") in (None, "security/login_user.html"):
        app.config["SECURITY_LOGIN_USER_TEMPLATE"] = LOGIN_TEMPLATE
    register_template_globals(app)
    init_public_media(app)  # Instagram fetches media from these public, expiring links

    admin = Admin(
        app,
        name="hub",
        url="/admin",
        theme=Bootstrap4Theme(base_template=MASTER_TEMPLATE, fluid=True),
        index_view=DashboardView(name=_l("Overview"), url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(
        AnnouncementsView(name=_l("Announcements"), endpoint="announcements", url="announcements")
    )
    admin.add_view(EngagementView(name=_l("Engagement"), endpoint="engagement", url="engagement"))
    admin.add_view(InboxView(name=_l("Inbox"), endpoint="inbox", url="inbox"))
    for view, model, name, endpoint in (
        (KeywordRuleView, KeywordRule, _l("Keyword rules"), "keyword_rules"),
        (SavedReplyView, SavedReply, _l("Saved replies"), "saved_replies"),
        (TagView, Tag, _l("Tags"), "tags"),
    ):
        admin.add_view(view(model, db, name=name, endpoint=endpoint, category=_l("Inbox settings")))
    admin.add_view(
        ChannelView(Channel, db, name=_l("Channels"), endpoint="channels", category=_l("Settings"))
    )
    add_connect_view(app, admin)  # the channel list's "Connect ..." buttons lead here
    admin.add_view(
        HoldView(name=_l("Crisis hold"), endpoint="hold", url="hold", category=_l("Settings"))
    )
    admin.add_view(NotificationsView(name=_l("Notices"), endpoint="notifications", url="notices"))
    # hub.publishing.manual.PAGE names this URL in the notices it writes.
    admin.add_view(ManualPostsView(name=_l("Posts by hand"), endpoint="manual", url="manual"))
    admin.add_view(UserView(User, db, name=_l("People"), endpoint="users", category=_l("Settings")))
    admin.add_view(
        ApiTokensView(
            name=_l("API tokens"), endpoint="api_tokens", url="api-tokens", category=_l("Settings")
        )
    )
    admin.add_view(
        AuditLogView(
            AuditEvent, db, name=_l("Audit log"), endpoint="audit", category=_l("Settings")
        )
    )
