"""The crisis hold page (admins): hold all publishing with a reason, lift it, triage what waits.

Lifting the hold releases nothing by itself: the held deliveries are listed here to be released,
rescheduled or cancelled, each or in bulk. The rules live in ``hub.publishing.hold``.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import Optional

from hub.admin.access import ProtectedView
from hub.admin.banners import Banner, banner_source
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.i18n import format_local, from_local
from hub.models import Delivery, DeliveryState
from hub.publishing import hold, labels
from hub.publishing.errors import PublishingError, ValidationFailed
from hub.scheduler import hints


class StartHoldForm(FlaskForm):
    reason = TextAreaField(_l("Why is publishing on hold?"))


class LiftHoldForm(FlaskForm):
    pass


class TriageForm(FlaskForm):
    action = StringField()
    when = DateTimeLocalField(_l("New time"), format="%Y-%m-%dT%H:%M", validators=[Optional()])


class HoldView(ProtectedView, BaseView):
    required_permission = Permission.crisis_hold

    @expose("/")
    def index(self) -> str:
        return self.render(
            "admin/hold/index.html",
            active=hold.active_hold(),
            held=hold.held_deliveries(),
            start_form=StartHoldForm(formdata=None),
            lift_form=LiftHoldForm(formdata=None),
            triage_form=TriageForm(formdata=None),
            labels=labels,
        )

    @expose("/start", methods=("POST",))
    def start(self) -> ResponseReturnValue:
        form = StartHoldForm()
        if form.validate_on_submit():
            self._run(lambda: hold.start_hold(form.reason.data or "", current_user))
            flash(_("Publishing is on hold on every network."), "warning")
        return redirect(url_for(".index"))

    @expose("/lift", methods=("POST",))
    def lift(self) -> ResponseReturnValue:
        if LiftHoldForm().validate_on_submit() and self._run(lambda: hold.lift_hold(current_user)):
            flash(_("The hold is lifted. Held posts wait below until you release them."), "info")
        return redirect(url_for(".index"))

    @expose("/triage", methods=("POST",))
    def triage(self) -> ResponseReturnValue:
        form = TriageForm()
        ids = [int(i) for i in request.form.getlist("delivery") if i.isdigit()]
        if not form.validate_on_submit():
            flash(_("Please enter the new time as day and hour."), "error")
            return redirect(url_for(".index"))
        if not ids:
            flash(_("Please choose at least one post."), "error")
            return redirect(url_for(".index"))
        action = form.action.data
        if action == "release":
            done = self._run(lambda: hold.release(ids, current_user))
            message = _("%(n)s posts released; they go out now.", n=done)
        elif action == "cancel":
            done = self._run(lambda: hold.cancel(ids, current_user))
            message = _("%(n)s posts cancelled.", n=done)
        elif action == "reschedule":
            if form.when.data is None:
                flash(_("Please enter the new time."), "error")
                return redirect(url_for(".index"))
            when = from_local(form.when.data)
            done = self._run(lambda: hold.reschedule(ids, current_user, when))
            message = _("%(n)s posts rescheduled to %(when)s.", n=done, when=format_local(when))
        else:
            flash(_("Unknown action."), "error")
            return redirect(url_for(".index"))
        if done:
            flash(message, "success")
            hints.dispatch_soon()
        return redirect(url_for(".index"))

    @staticmethod
    def _run(step):  # type: ignore[no-untyped-def]
        """Run a hold step and commit; flash the reason if it was refused."""
        try:
            result = step()
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            for messages in exc.fields.values():
                for message in messages:
                    flash(message, "error")
            return None
        except PublishingError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return None
        return result if result is not None else True


@banner_source
def hold_banners() -> list[Banner]:
    """Everyone sees an active hold; admins also see what still waits for triage."""
    if not current_user.is_authenticated:
        return []
    active = hold.active_hold()
    if active is not None:
        since = format_local(active.started_at)
        who = active.started_by.display_name if active.started_by else ""
        return [
            Banner(
                "danger",
                _(
                    "Publishing is on hold on every network since %(since)s (%(who)s): %(reason)s",
                    since=since,
                    who=who,
                    reason=active.reason,
                ),
                url_for("hold.index") if can(Permission.crisis_hold) else None,
            )
        ]
    if not can(Permission.crisis_hold):
        return []
    waiting = db.session.scalar(
        select(func.count(Delivery.id)).where(Delivery.state == DeliveryState.held)
    )
    if not waiting:
        return []
    return [
        Banner(
            "warning",
            _("%(n)s held posts wait for you to release, reschedule or cancel them.", n=waiting),
            url_for("hold.index"),
        )
    ]
