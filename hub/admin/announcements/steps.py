"""The review buttons on the detail page: which ones a person sees, and running one.

The buttons are only a convenience: every step is checked again by ``hub.publishing.workflow``
(who, which state, four-eyes), whatever the page showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, TextAreaField

from hub.admin.announcements.saving import stale_message
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, User
from hub.models.announcement import EDITABLE_STATUSES
from hub.publishing import workflow
from hub.publishing.errors import PublishingError, ValidationFailed
from hub.scheduler import hints


class StepForm(FlaskForm):
    """A workflow button: the version the person looked at travels with it."""

    version = HiddenField()


class SendBackForm(StepForm):
    comment = TextAreaField(_l("What should the author change?"))


@dataclass(frozen=True)
class Buttons:
    edit: bool
    submit: bool
    review: bool  # approve and send back
    approve_blocked_reason: str | None  # shown instead of a working approve button
    cancel: bool


def buttons_for(announcement: Announcement, user: User) -> Buttons:
    status = announcement.status
    review = can(Permission.approve, user) and status == AnnouncementStatus.in_review
    return Buttons(
        edit=can(Permission.compose, user) and status in EDITABLE_STATUSES,
        submit=can(Permission.compose, user) and status == AnnouncementStatus.draft,
        review=review,
        # The same rule approve() applies: the author and whoever changed it (four-eyes).
        approve_blocked_reason=workflow.approval_refusal(announcement, user) if review else None,
        cancel=can(Permission.cancel, user) and status in workflow.CANCELLABLE,
    )


def _send_back(announcement: Announcement, user: User, form: StepForm) -> None:
    comment = form.comment.data if isinstance(form, SendBackForm) else ""
    workflow.send_back(announcement, user, comment or "")


STEPS: dict[str, tuple[type[StepForm], Callable[[Announcement, User, StepForm], None], str]] = {
    "submit": (StepForm, lambda a, u, f: workflow.submit(a, u), _l("Submitted for review.")),
    "approve": (StepForm, lambda a, u, f: workflow.approve(a, u), _l("Approved and scheduled.")),
    "send_back": (SendBackForm, _send_back, _l("Sent back to the author.")),
    "cancel": (StepForm, lambda a, u, f: workflow.cancel(a, u), _l("Cancelled.")),
}


def run_step(name: str, announcement: Announcement, user: User) -> tuple[bool, list[str]]:
    """Run one workflow step from the posted form; returns (done, messages for the person)."""
    form_class, step, done_message = STEPS[name]
    form = form_class()
    try:
        seen = int(form.version.data or 0)
    except ValueError:
        seen = 0
    if seen != announcement.version:
        return False, [stale_message()]
    try:
        step(announcement, user, form)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        return False, [exc.message, *(m for messages in exc.fields.values() for m in messages)]
    except PublishingError as exc:
        db.session.rollback()
        return False, [exc.message]
    except StaleDataError:
        db.session.rollback()
        return False, [stale_message()]
    if name == "approve":
        # Approved "for now" or for a time: dispatched then, not at the next beat.
        hints.dispatch_soon(announcement.scheduled_at)
    return True, [str(done_message)]
