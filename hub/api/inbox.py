"""``/api/v1/inbox``: the shared inbox for other systems (a city's ticket system, a bot).

Moderators only (``inbox.moderate``). Reading is a page at a time by ``cursor`` (newest first,
never counted); replying, hiding, showing and deleting are queued as moderation actions and
answered with 202 and the action; retries with the same ``Idempotency-Key`` (header, or
``idempotency_key`` in the body) return the same action instead of acting twice.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _

from hub.api.blueprint import ID, ApiBlueprint, found, user_with
from hub.api.errors import ApiError, error_response
from hub.api.inbox_schemas import (
    ActionOut,
    AssignIn,
    CommentDetail,
    DeleteIn,
    InboxPageOut,
    InboxQuery,
    KeyIn,
    ReplyIn,
    StatusIn,
)
from hub.auth.permissions import Permission
from hub.auth.scopes import Scope
from hub.extensions import db
from hub.inbox import actions, operations, queries
from hub.inbox.errors import InboxError
from hub.inbox.saved_replies import fill, values_for
from hub.models import ActionKind, Comment, ModerationAction, SavedReply, User
from hub.scheduler.inbox import run_soon

blp = ApiBlueprint(
    "api_inbox",
    __name__,
    read_scope=Scope.inbox,
    write_scope=Scope.inbox,
    description="The shared inbox: citizens' comments from every channel; reply and moderate.",
)
ONE = f"/inbox/<{ID}:comment_id>"


def _inbox_error(error: InboxError) -> Response:
    db.session.rollback()
    return error_response(error.status, error.code, error.message)


blp.register_error_handler(InboxError, _inbox_error)


def _comment(comment_id: int) -> Comment:
    return found(Comment, comment_id, _("There is no comment with this id."))


def _key(payload: dict[str, Any]) -> str | None:
    header = (request.headers.get("Idempotency-Key") or "").strip()[:64]
    return header or payload.get("idempotency_key")


@blp.route("/inbox", methods=["GET"])
@blp.arguments(InboxQuery, location="query")
@blp.response(200, InboxPageOut)
@blp.errors(400, 403)
def list_inbox(query: dict[str, Any]) -> dict[str, Any]:
    """Citizens' comments from every channel, newest first, a page at a time.

    Filters: `network`, `channel_id`, `status` (`open` by default), `assignee`
    (`me`, `none` or an id), `announcement_id`, `tag_id`, `flagged`, `q`. Continue with
    `cursor` set to the page's `next_cursor`.
    """
    user = user_with(Permission.moderate)
    f = queries.InboxFilter(
        network=query.get("network"),
        channel_id=query.get("channel_id"),
        status=query["status"],
        assignee=query.get("assignee"),
        announcement_id=query.get("announcement_id"),
        tag_id=query.get("tag_id"),
        flagged=query["flagged"],
        q=query.get("q") or None,
    )
    page = queries.inbox_page(f, user, queries.decode_cursor(query.get("cursor")), query["limit"])
    return {"items": page.items, "next_cursor": page.next_cursor}


@blp.route(ONE, methods=["GET"])
@blp.response(200, CommentDetail)
@blp.errors(403, 404)
def get_comment(comment_id: int) -> Comment:
    """One inbox item with its thread, notes, actions and what is possible on its network."""
    user_with(Permission.moderate)
    return _comment(comment_id)


def _queue(comment: Comment, kind: str, user: User, **details: Any) -> tuple[Any, int]:
    action = actions.request_action(comment, kind, user, **details)
    db.session.commit()
    run_soon(action.id)
    return action, 202


@blp.route(f"{ONE}/reply", methods=["POST"])
@blp.arguments(ReplyIn)
@blp.response(202, ActionOut)
@blp.errors(403, 404, 409, 415, 422)
def reply(payload: dict[str, Any], comment_id: int) -> tuple[ModerationAction, int]:
    """Answer the comment on its network (queued; follow the action's `state`)."""
    user = user_with(Permission.moderate)
    comment = _comment(comment_id)
    text = payload.get("text") or ""
    if not text.strip() and payload.get("saved_reply_id"):
        saved = found(SavedReply, payload["saved_reply_id"], _("There is no such saved reply."))
        text = fill(saved.body, values_for(comment, user))
    return _queue(comment, ActionKind.reply, user, text=text, key=_key(payload))


@blp.route(f"{ONE}/hide", methods=["POST"])
@blp.arguments(KeyIn)
@blp.response(202, ActionOut)
@blp.errors(403, 404, 409, 415)
def hide(payload: dict[str, Any], comment_id: int) -> tuple[ModerationAction, int]:
    """Hide the comment on its network (where the network allows it)."""
    user = user_with(Permission.moderate)
    return _queue(_comment(comment_id), ActionKind.hide, user, key=_key(payload))


@blp.route(f"{ONE}/unhide", methods=["POST"])
@blp.arguments(KeyIn)
@blp.response(202, ActionOut)
@blp.errors(403, 404, 409, 415)
def unhide(payload: dict[str, Any], comment_id: int) -> tuple[ModerationAction, int]:
    """Show a hidden comment again."""
    user = user_with(Permission.moderate)
    return _queue(_comment(comment_id), ActionKind.unhide, user, key=_key(payload))


@blp.route(f"{ONE}/delete", methods=["POST"])
@blp.arguments(DeleteIn)
@blp.response(202, ActionOut)
@blp.errors(403, 404, 409, 415, 422)
def delete(payload: dict[str, Any], comment_id: int) -> tuple[ModerationAction, int]:
    """Delete the comment on its network; the reason and the text stay in the audit log."""
    user = user_with(Permission.moderate)
    return _queue(
        _comment(comment_id),
        ActionKind.delete,
        user,
        reason=payload["reason"],
        key=_key(payload),
    )


@blp.route(f"{ONE}/assign", methods=["POST"])
@blp.arguments(AssignIn)
@blp.response(200, CommentDetail)
@blp.errors(403, 404, 415, 422)
def assign(payload: dict[str, Any], comment_id: int) -> Comment:
    """Give the item to a moderator (null: to nobody)."""
    user = user_with(Permission.moderate)
    comment = _comment(comment_id)
    assignee = None
    if payload["assignee_id"] is not None:
        assignee = db.session.get(User, payload["assignee_id"])
        if assignee is None:
            raise ApiError(
                422, "validation_failed", _("There is no such person."), {"assignee_id": []}
            )
    operations.assign(comment, assignee, user)
    db.session.commit()
    return comment


@blp.route(f"{ONE}/status", methods=["POST"])
@blp.arguments(StatusIn)
@blp.response(200, CommentDetail)
@blp.errors(403, 404, 415)
def set_status(payload: dict[str, Any], comment_id: int) -> Comment:
    """Set the status: new, assigned, answered, done."""
    user = user_with(Permission.moderate)
    comment = _comment(comment_id)
    operations.set_status(comment, payload["status"], user)
    db.session.commit()
    return comment
