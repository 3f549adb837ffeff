"""What moderators change in hub only: assignee, status, tags, internal notes, bulk changes.

None of this reaches the network, so it is done at once (no worker). Every change is audited.
Bulk changes apply to each item on its own and report what could not be done, never failing
the whole batch for one comment a network cannot hide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from hub import audit
from hub.auth.permissions import Permission, can
from hub.extensions import db
from hub.inbox.actions import request_action
from hub.inbox.errors import InboxError
from hub.models import (
    ActionKind,
    Comment,
    CommentStatus,
    ModerationAction,
    Note,
    Tag,
    User,
)
from hub.models.types import utcnow

MAX_NOTE = 5000
BULK_LIMIT = 200


def moderators() -> list[User]:
    """Everyone who may work the inbox (the people an item can be assigned to)."""
    # The roles in the same query (joined), not one query per user.
    users = db.session.scalars(
        select(User)
        .where(User.active.is_(True))
        .options(joinedload(User.roles))
        .order_by(User.full_name, User.email)
    ).unique()
    return [u for u in users if can(Permission.moderate, u)]


def assign(comment: Comment, assignee: User | None, user: User | None) -> None:
    """Give the item to ``assignee`` (None: to nobody). New items become "assigned"."""
    if assignee is not None and not can(Permission.moderate, assignee):
        raise InboxError(_("%(name)s does not work the inbox.", name=assignee.display_name))
    before = comment.assignee_id
    comment.assignee = assignee
    if assignee is not None and comment.status == CommentStatus.new:
        comment.status = CommentStatus.assigned
    elif assignee is None and comment.status == CommentStatus.assigned:
        comment.status = CommentStatus.new
    if before != (assignee.id if assignee else None):
        audit.record(
            "comment.assigned", comment, actor=user, assignee=assignee.email if assignee else None
        )


def set_status(comment: Comment, status: str, user: User | None) -> None:
    try:
        status = CommentStatus(status)
    except ValueError:
        raise InboxError(_("Unknown status."), "invalid", 422) from None
    if comment.status == status:
        return
    before = comment.status
    comment.status = status
    if status == CommentStatus.answered and comment.first_answered_at is None:
        comment.first_answered_at = utcnow()
    audit.record("comment.status", comment, actor=user, before=before, after=status)


def mark_answered(comment: Comment) -> None:
    """Our reply went out: the item is answered (unless someone marked it done already)."""
    db.session.refresh(comment)
    if comment.status in (CommentStatus.new, CommentStatus.assigned):
        comment.status = CommentStatus.answered
    if comment.first_answered_at is None:
        comment.first_answered_at = utcnow()


def set_tags(comment: Comment, tag_ids: Sequence[int], user: User | None) -> None:
    tags = list(db.session.scalars(select(Tag).where(Tag.id.in_(list(tag_ids))))) if tag_ids else []
    if len(tags) != len(set(tag_ids)):
        raise InboxError(_("Some of these tags do not exist (any more)."), "invalid", 422)
    before = sorted(t.name for t in comment.tags)
    comment.tags = tags
    after = sorted(t.name for t in tags)
    if before != after:
        audit.record("comment.tags", comment, actor=user, tags=after)


def add_note(comment: Comment, user: User, text: str) -> Note:
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise InboxError(_("Write the note first."), "invalid", 422)
    note = Note(comment_id=comment.id, author_id=user.id, text=text[:MAX_NOTE])
    db.session.add(note)
    db.session.flush()
    audit.record("comment.note", comment, actor=user, note_id=note.id)
    return note


@dataclass
class BulkResult:
    changed: int = 0
    skipped: list[str] = field(default_factory=list)
    actions: list[ModerationAction] = field(default_factory=list)


BULK_KINDS = ("assign", "unassign", "done", "hide")


def bulk(
    comment_ids: Sequence[int],
    kind: str,
    user: User,
    *,
    assignee: User | None = None,
    key: str | None = None,
) -> BulkResult:
    """One change on many items. Not committed; hint the returned actions after commit."""
    if kind not in BULK_KINDS:
        raise InboxError(_("Unknown bulk action."), "invalid", 422)
    ids = list(dict.fromkeys(comment_ids))[:BULK_LIMIT]
    if not ids:
        raise InboxError(_("Select at least one comment."), "invalid", 422)
    result = BulkResult()
    comments = db.session.scalars(select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id))
    for comment in comments:
        try:
            if kind == "assign":
                assign(comment, assignee or user, user)
            elif kind == "unassign":
                assign(comment, None, user)
            elif kind == "done":
                set_status(comment, CommentStatus.done, user)
            else:
                action = request_action(
                    comment, ActionKind.hide, user, key=f"bulk-{key}" if key else None
                )
                result.actions.append(action)
            result.changed += 1
        except InboxError as exc:
            result.skipped.append(f"{comment.author_name or '?'}: {exc.message}")
    return result
