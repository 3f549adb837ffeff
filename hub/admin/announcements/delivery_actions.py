"""What an editor does about one delivery from the announcement page: retry, publish again,
or record the link of a post they found on the network. The rules live in
``hub.publishing.deliveries``; this module only reads the form and reports back."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField

from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.models import Delivery, DeliveryState, User
from hub.publishing import deliveries
from hub.publishing.errors import PublishingError, ValidationFailed
from hub.scheduler import hints


class DeliveryActionForm(FlaskForm):
    """A delivery button (CSRF only)."""


class MarkPublishedForm(FlaskForm):
    url = StringField(_l("Link to the post"))


def available_actions(delivery: Delivery, user: User) -> set[str]:
    if not can(Permission.resolve_deliveries, user):
        return set()
    again = deliveries.may_send_again(delivery)  # never for a cancelled announcement
    if delivery.state == DeliveryState.failed:
        return {"retry", "mark_published"} if again else {"mark_published"}
    if delivery.state == DeliveryState.needs_review:
        return {"publish_again", "mark_published"} if again else {"mark_published"}
    return set()


ACTIONS: dict[str, tuple[Callable[[Delivery, User, FlaskForm], None], str]] = {
    "retry": (lambda d, u, f: deliveries.retry(d, u), _l("The delivery goes out again.")),
    "publish_again": (
        lambda d, u, f: deliveries.publish_again(d, u),
        _l("The delivery goes out again."),
    ),
    "mark_published": (
        lambda d, u, f: deliveries.mark_published(d, u, f.url.data or ""),  # type: ignore[attr-defined]
        _l("Recorded as published."),
    ),
}


def run_action(name: str, delivery: Delivery, user: User) -> tuple[bool, list[str]]:
    step, done = ACTIONS[name]
    form = MarkPublishedForm() if name == "mark_published" else DeliveryActionForm()
    if not form.validate_on_submit():
        return False, [_("The form has expired; please try again.")]
    try:
        step(delivery, user, form)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return False, [m for messages in exc.fields.values() for m in messages] or [exc.message]
    except PublishingError as exc:
        db.session.rollback()
        return False, [exc.message]
    if name != "mark_published":
        hints.dispatch_soon()
    return True, [str(done)]
