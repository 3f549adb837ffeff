"""What an editor does about one delivery: retry a failed one, resolve one that needs review.

Cancel is final: a delivery of a cancelled announcement is never sent again (no retry, no
"publish again"); recording a post someone found on the network stays possible.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask_babel import gettext as _

from hub import audit
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.models import AnnouncementStatus, Delivery, DeliveryState, User
from hub.models.types import utcnow
from hub.publishing.errors import NotAllowed, ValidationFailed, WrongState
from hub.publishing.hold import active_hold
from hub.publishing.pipeline import refresh_announcement_status


def checked_link(url: str) -> str:
    """A post's link as a person pasted it: a full http(s) address, or refused."""
    url = (url or "").strip()
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValidationFailed({"url": [_("Please paste the full link to the post.")]})
    return url


def _check(delivery: Delivery, user: User, *states: DeliveryState) -> None:
    if not can(Permission.resolve_deliveries, user):
        raise NotAllowed(_("Only editors can retry or resolve deliveries."))
    if delivery.state not in states:
        raise WrongState(_("This delivery is no longer in a state that allows this."))


def _check_not_cancelled(delivery: Delivery) -> None:
    if delivery.announcement.status == AnnouncementStatus.cancelled:
        raise WrongState(_("This announcement was cancelled; its deliveries are not sent again."))


def may_send_again(delivery: Delivery) -> bool:
    """Whether retry or "publish again" can apply at all (the page hides them otherwise)."""
    return delivery.announcement.status != AnnouncementStatus.cancelled


def _send_again(delivery: Delivery) -> None:
    delivery.state = DeliveryState.held if active_hold() else DeliveryState.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    delivery.error_code = None
    delivery.error_message = None


def retry(delivery: Delivery, user: User) -> None:
    """A failed delivery goes out again (after its cause was fixed)."""
    _check(delivery, user, DeliveryState.failed)
    _check_not_cancelled(delivery)
    _send_again(delivery)
    delivery.outcome_unknown = False
    audit.record("delivery.retried", delivery, actor=user)
    db.session.flush()
    refresh_announcement_status(delivery.announcement)


def publish_again(delivery: Delivery, user: User) -> None:
    """The person checked the network and the post is not there: send it again."""
    _check(delivery, user, DeliveryState.needs_review)
    _check_not_cancelled(delivery)
    _send_again(delivery)
    # A person has confirmed the post is absent; no need to look again before posting.
    delivery.outcome_unknown = False
    audit.record("delivery.publish_again", delivery, actor=user)
    db.session.flush()
    refresh_announcement_status(delivery.announcement)


def mark_published(delivery: Delivery, user: User, url: str, remote_id: str | None = None) -> None:
    """The person found the post on the network: record its link."""
    _check(delivery, user, DeliveryState.needs_review, DeliveryState.failed)
    url = checked_link(url)
    parsed = urlparse(url)
    delivery.state = DeliveryState.published
    delivery.url = url
    delivery.remote_id = (
        (remote_id or "").strip()
        or delivery.remote_id
        or parsed.path.rstrip("/").rsplit("/", 1)[-1]
    )
    delivery.published_at = utcnow()
    delivery.outcome_unknown = False
    delivery.error_code = None
    delivery.error_message = None
    audit.record("delivery.marked_published", delivery, actor=user, url=delivery.url)
    db.session.flush()
    refresh_announcement_status(delivery.announcement)
