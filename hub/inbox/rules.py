"""Keyword rules from the database, applied to comments as they come in and after a change.

Rules are few (dozens, perhaps hundreds) and read once per batch. When a moderator edits a rule,
the open comments of the last weeks are checked again, so a new "Notfall" rule flags what is
waiting now, not only what comes later.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from hub.extensions import db
from hub.inbox.folding import Matcher, Rule
from hub.models import Comment, CommentStatus, KeywordRule
from hub.models.types import utcnow

CATEGORIES = {
    "emergency": _l("Emergency"),
    "threat": _l("Threat"),
    "insult": _l("Insult"),
    "spam": _l("Spam"),
    "question": _l("Question"),
    "other": _l("Other"),
}
RECHECK_DAYS = 30
RECHECK_BATCH = 1000


def load_matcher() -> Matcher:
    rows = db.session.scalars(select(KeywordRule)).all()
    return Matcher(Rule.make(r.keyword, r.category, r.priority or 1, r.whole_word) for r in rows)


def recheck_open_comments(days: int = RECHECK_DAYS) -> int:
    """Flag the open (new, assigned) comments of the last ``days`` again; returns how many
    changed. Not committed."""
    matcher = load_matcher()
    since = utcnow() - timedelta(days=days)
    changed = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Comment.id, Comment.text, Comment.flags, Comment.priority)
            .where(
                Comment.id > last_id,
                Comment.remote_created_at >= since,
                Comment.status.in_([CommentStatus.new, CommentStatus.assigned]),
                Comment.is_own.is_(False),
            )
            .order_by(Comment.id)
            .limit(RECHECK_BATCH)
        ).all()
        if not rows:
            return changed
        for row in rows:
            verdict = matcher.check(row.text)
            flags = list(verdict.flags) or None
            if flags != (row.flags or None) or verdict.priority != row.priority:
                db.session.execute(
                    update(Comment)
                    .where(Comment.id == row.id)
                    .values(flags=flags, priority=verdict.priority)
                    .execution_options(synchronize_session=False)
                )
                changed += 1
        last_id = rows[-1].id
