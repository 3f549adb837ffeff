"""Posting by hand on manual channels (WhatsApp channels, a notice board): the page a notice
links to, with the text to copy, the media to download, and "posted" / "skipped".

Anyone who may read announcements sees the page; marking is for the responsible person,
editors and admins (decided in :mod:`hub.publishing.manual`, on the server, whatever the page
shows). The copy button is a small script served by hub (``manual.js``; the Content Security
Policy forbids inline scripts); the text itself is a read-only, selectable field, so keyboard
and screen-reader users copy it as they copy any text.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from hub.admin.access import ProtectedView
from hub.admin.announcements.media import download_response
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.models import Delivery, DeliveryState
from hub.publishing import labels, manual
from hub.publishing.errors import PublishingError, ValidationFailed


class PostedForm(FlaskForm):
    url = StringField(
        _l("Link to the post (if it has one)"),
        description=_l("Leave empty where the post has no link (a notice board)."),
    )


class SkippedForm(FlaskForm):
    reason = TextAreaField(_l("Why is it not posted?"))


class ManualPostsView(ProtectedView, BaseView):
    required_permission = Permission.view_announcements

    @expose("/")
    def index(self) -> str:
        """Manual posts waiting for a person; the current user's own first."""
        waiting = manual.waiting_posts()
        mine = [d for d in waiting if manual.is_responsible(d, current_user)]
        others = [d for d in waiting if not manual.is_responsible(d, current_user)]
        return self.render("admin/manual/list.html", mine=mine, others=others)

    @expose("/<int:delivery_id>/")
    def detail(self, delivery_id: int) -> str:
        delivery = _manual_delivery(delivery_id)
        return self.render(
            "admin/manual/detail.html",
            delivery=delivery,
            announcement=delivery.announcement,
            text=manual.copy_text(delivery),
            responsible=manual.responsible_person(delivery),
            may_act=manual.may_act(delivery, current_user),
            waiting=delivery.state == DeliveryState.waiting_for_person,
            posted_form=PostedForm(formdata=None),
            skipped_form=SkippedForm(formdata=None),
            labels=labels,
        )

    @expose("/<int:delivery_id>/posted", methods=("POST",))
    def posted(self, delivery_id: int) -> ResponseReturnValue:
        delivery = _manual_delivery(delivery_id)
        form = PostedForm()
        return self._run(
            delivery,
            form,
            lambda: manual.mark_posted(delivery, current_user, form.url.data),
            _("Recorded as posted."),
        )

    @expose("/<int:delivery_id>/skipped", methods=("POST",))
    def skipped(self, delivery_id: int) -> ResponseReturnValue:
        delivery = _manual_delivery(delivery_id)
        form = SkippedForm()
        return self._run(
            delivery,
            form,
            lambda: manual.mark_skipped(delivery, current_user, form.reason.data or ""),
            _("Recorded as skipped."),
        )

    @expose("/<int:delivery_id>/media/<int:media_id>")
    def media(self, delivery_id: int, media_id: int) -> ResponseReturnValue:
        """An attached file to download and post by hand (only this announcement's)."""
        delivery = _manual_delivery(delivery_id)
        asset = next((a for a in delivery.announcement.media if a.id == media_id), None)
        if asset is None:
            abort(404)
        return download_response(asset, current_app.config["HUB_SETTINGS"])

    def _run(
        self, delivery: Delivery, form: FlaskForm, step: Callable[[], None], done: str
    ) -> ResponseReturnValue:
        target = url_for(".detail", delivery_id=delivery.id)
        if not form.validate_on_submit():
            flash(_("The form has expired; please try again."), "error")
            return redirect(target)
        try:
            step()
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.fields.values():
                for message in messages:
                    flash(message, "error")
            return redirect(target)
        except PublishingError as exc:
            db.session.rollback()
            if exc.code == "not_allowed":
                abort(403)
            flash(exc.message, "error")
            return redirect(target)
        flash(done, "success")
        return redirect(
            url_for("announcements.detail", announcement_id=delivery.announcement_id)
            + f"#delivery-{delivery.id}"
        )


def _manual_delivery(delivery_id: int) -> Delivery:
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or not manual.is_manual(delivery.channel):
        abort(404)
    return delivery
