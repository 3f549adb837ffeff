"""The four-eyes review: submit, approve (never one's own), send back, cancel.

Each step checks the state and the person on the server, changes the row and writes the audit
event in the same transaction; the caller commits.

Four eyes: nobody approves a version they wrote or changed. Who did is read from the audit
log, which every save writes in the same transaction as the change
(``announcement.created``/``announcement.edited``, see ``hub.publishing.compose``): the author
and everyone who changed any version of the announcement (its texts, channels, media or alt
texts, in the admin or through the API). A change in an earlier round counts too: it is still
part of what would be approved.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from hub import audit
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, AuditEvent, DeliveryState, User
from hub.models.delivery import FINAL_STATES
from hub.models.types import utcnow
from hub.publishing.compose import check_input, input_from, status_label
from hub.publishing.errors import NotAllowed, ValidationFailed, WrongState

CANCELLABLE = {
    AnnouncementStatus.draft,
    AnnouncementStatus.in_review,
    AnnouncementStatus.scheduled,
    AnnouncementStatus.publishing,
}


def _expect(announcement: Announcement, *states: AnnouncementStatus) -> None:
    if announcement.status not in states:
        raise WrongState(
            _(
                "This step is not possible while the announcement is “%(status)s”.",
                status=status_label(announcement.status),
            )
        )


def submit(announcement: Announcement, user: User) -> None:
    """Draft -> in review. The whole announcement must be publishable as it stands."""
    if not can(Permission.compose, user):
        raise NotAllowed(_("Only editors can submit announcements for review."))
    _expect(announcement, AnnouncementStatus.draft)
    if not announcement.variants:
        raise ValidationFailed({"channels": [_("Choose at least one channel.")]})
    check_input(input_from(announcement))
    announcement.status = AnnouncementStatus.in_review
    announcement.submitted_at = utcnow()
    announcement.review_comment = None
    audit.record("announcement.submitted", announcement, actor=user)


# The audit actions of a save that changed the announcement (hub.publishing.compose).
CHANGES = ("announcement.created", "announcement.edited")


def contributors(announcement: Announcement) -> set[int]:
    """Ids of the people who wrote or changed any version of ``announcement``."""
    people = {announcement.author_id}
    if announcement.id is not None:
        people.update(
            db.session.scalars(
                select(AuditEvent.actor_id)
                .where(
                    AuditEvent.action.in_(CHANGES),
                    AuditEvent.object_type == "announcement",
                    AuditEvent.object_id == announcement.id,
                    AuditEvent.actor_id.is_not(None),
                )
                .distinct()
            )
        )
    return people


def approval_refusal(announcement: Announcement, user: User) -> str | None:
    """Why ``user`` may not approve ``announcement`` under four eyes; None if they may."""
    if announcement.author_id == user.id:
        return _("You wrote this announcement, so someone else has to approve it (four-eyes).")
    if user.id in contributors(announcement):
        return _("You changed this announcement, so someone else has to approve it (four-eyes).")
    return None


def approve(announcement: Announcement, user: User) -> None:
    """In review -> scheduled, by an approver who neither wrote nor changed it."""
    if not can(Permission.approve, user):
        raise NotAllowed(_("Only approvers can approve announcements."))
    _expect(announcement, AnnouncementStatus.in_review)
    refusal = approval_refusal(announcement, user)
    if refusal:
        raise NotAllowed(refusal)
    data = input_from(announcement)
    # A time that passed while the announcement waited for review means "as soon as approved".
    data.scheduled_at = None
    check_input(data)
    now = utcnow()
    late = announcement.scheduled_at is not None and announcement.scheduled_at < now
    announcement.status = AnnouncementStatus.scheduled
    announcement.approver_id = user.id
    announcement.approved_at = now
    if announcement.scheduled_at is None:
        announcement.scheduled_at = now
    audit.record("announcement.approved", announcement, actor=user, late=late)


def send_back(announcement: Announcement, user: User, comment: str) -> None:
    """In review -> draft, with the approver's comment for the author."""
    if not can(Permission.approve, user):
        raise NotAllowed(_("Only approvers can send announcements back."))
    _expect(announcement, AnnouncementStatus.in_review)
    if not comment.strip():
        raise ValidationFailed(
            {"comment": [_("Please tell the author what to change.")]},
        )
    announcement.status = AnnouncementStatus.draft
    announcement.review_comment = comment.strip()
    audit.record("announcement.sent_back", announcement, actor=user, comment=comment.strip())


def cancel(announcement: Announcement, user: User) -> None:
    """Stop an announcement that is not yet (fully) published; deliveries already sending finish."""
    if not can(Permission.cancel, user):
        raise NotAllowed(_("You may not cancel announcements."))
    _expect(announcement, *CANCELLABLE)
    stopped = []
    for delivery in announcement.deliveries:
        if delivery.state not in FINAL_STATES and delivery.state != DeliveryState.sending:
            delivery.state = DeliveryState.cancelled
            stopped.append(delivery.id)
    announcement.status = AnnouncementStatus.cancelled
    audit.record("announcement.cancelled", announcement, actor=user, deliveries=stopped)
