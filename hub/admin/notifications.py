"""Notices for one person (a channel lost its login, ...): a banner while unread, and a page."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select, update

from hub.admin.access import ProtectedView
from hub.admin.banners import Banner, banner_source
from hub.extensions import db
from hub.models import Notification
from hub.models.types import utcnow


class MarkReadForm(FlaskForm):
    pass


class NotificationsView(ProtectedView, BaseView):
    """Any logged-in person sees their own notices, never anybody else's."""

    @expose("/")
    def index(self) -> str:
        notices = db.session.scalars(
            select(Notification)
            .where(Notification.user_id == current_user.id)
            .order_by(Notification.id.desc())
            .limit(200)
        ).all()
        return self.render(
            "admin/notifications.html", notices=notices, form=MarkReadForm(formdata=None)
        )

    @expose("/read", methods=("POST",))
    def mark_read(self) -> ResponseReturnValue:
        if MarkReadForm().validate_on_submit():
            db.session.execute(
                update(Notification)
                .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
                .values(read_at=utcnow())
            )
            db.session.commit()
            flash(_("All notices marked as read."), "success")
        return redirect(url_for(".index"))


@banner_source
def unread_banner() -> list[Banner]:
    if not current_user.is_authenticated:
        return []
    unread = db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    )
    if not unread:
        return []
    latest = db.session.scalar(
        select(Notification.message)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
        .limit(1)
    )
    text = (
        latest
        if unread == 1
        else _("%(n)s new notices. Latest: %(latest)s", n=unread, latest=latest)
    )
    return [Banner("warning", text, url_for("notifications.index"), _("Show notices"))]
