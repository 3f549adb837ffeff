"""The shapes of ``/api/v1/inbox``: filters, inbox items, threads, moderation actions.

Built from the shared pieces of :mod:`hub.api.schemas` (strict bodies, storable text, ids), so
the inbox's requests are checked and documented the same way as the announcements'.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from hub.api.errors import N_
from hub.api.schemas import MAX_ID, NOT_ALLOWED_VALUE, Id, StrictSchema, Text
from hub.inbox.queries import STATUS_FILTERS
from hub.models import CommentStatus, Network

KEY = Text(
    validate=validate.Length(1, 64, error=N_("Between 1 and 64 characters.")),
    metadata={
        "description": "Any string unique to this request: sending it again (a retry) does not "
        "act twice. The `Idempotency-Key` header does the same."
    },
)


class InboxQuery(ma.Schema):
    network = fields.String(
        validate=validate.OneOf([n.value for n in Network], error=NOT_ALLOWED_VALUE)
    )
    channel_id = fields.Integer(validate=validate.Range(1, MAX_ID, error=N_("Not a valid id.")))
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(STATUS_FILTERS, error=NOT_ALLOWED_VALUE),
        metadata={"description": "open (new and assigned; the default), a status, or all"},
    )
    assignee = fields.String(
        validate=validate.Regexp(r"^(me|none|[1-9][0-9]{0,9})$", error=NOT_ALLOWED_VALUE),
        metadata={"description": "me, none, or a user id"},
    )
    announcement_id = fields.Integer(
        validate=validate.Range(1, MAX_ID, error=N_("Not a valid id."))
    )
    tag_id = fields.Integer(validate=validate.Range(1, MAX_ID, error=N_("Not a valid id.")))
    flagged = fields.Boolean(load_default=False, metadata={"description": "Only flagged items"})
    q = Text(
        validate=validate.Length(max=200, error=N_("At most 200 characters.")),
        metadata={"description": "Words in the text or the author's name"},
    )
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "`next_cursor` of the previous page"},
    )
    limit = fields.Integer(
        load_default=50, validate=validate.Range(1, 100, error=N_("Between 1 and 100."))
    )


class ReplyIn(StrictSchema):
    text = Text(
        validate=validate.Length(max=10000, error=N_("At most 10000 characters.")),
        metadata={"description": "The reply; may be left out when `saved_reply_id` is given"},
    )
    saved_reply_id = Id(metadata={"description": "A saved reply, its placeholders filled in"})
    idempotency_key = KEY


class KeyIn(StrictSchema):
    idempotency_key = KEY


class DeleteIn(StrictSchema):
    reason = Text(
        required=True,
        validate=validate.Length(1, 2000, error=N_("Between 1 and 2000 characters.")),
        metadata={"description": "Why it is deleted (kept in the audit log)"},
    )
    idempotency_key = KEY


class AssignIn(StrictSchema):
    assignee_id = Id(
        required=True, allow_none=True, metadata={"description": "A moderator; null: nobody"}
    )


class StatusIn(StrictSchema):
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in CommentStatus], error=NOT_ALLOWED_VALUE),
    )


class AuthorOut(ma.Schema):
    name = fields.String()
    handle = fields.String(allow_none=True)
    id = fields.String(allow_none=True, metadata={"description": "The id on the network"})


class CommentOut(ma.Schema):
    """One inbox item. ``text`` and ``author`` are exactly what the citizen wrote: escape
    them wherever they are shown."""

    id = fields.Integer()
    channel_id = fields.Integer()
    network = fields.String()
    remote_id = fields.String()
    url = fields.String(allow_none=True)
    post_remote_id = fields.String(allow_none=True)
    announcement_id = fields.Integer(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    author = fields.Nested(AuthorOut)
    text = fields.String()
    created_at = fields.DateTime(metadata={"description": "When it was written (UTC)"})
    edited_at = fields.DateTime(allow_none=True)
    status = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    priority = fields.Integer()
    flags = fields.List(fields.String())
    tags = fields.List(fields.String())
    hidden = fields.Boolean()
    deleted = fields.Boolean(metadata={"description": "Deleted on the network (kept here)"})
    own = fields.Boolean(metadata={"description": "Our own reply"})
    first_answered_at = fields.DateTime(allow_none=True)

    @ma.pre_dump
    def _from_model(self, comment: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "id": comment.id,
            "channel_id": comment.channel_id,
            "network": comment.channel.network,
            "remote_id": comment.remote_id,
            "url": comment.url,
            "post_remote_id": comment.remote_post_id,
            "announcement_id": comment.delivery.announcement_id if comment.delivery else None,
            "parent_id": comment.parent_id,
            "author": {
                "name": comment.author_name,
                "handle": comment.author_handle,
                "id": comment.author_remote_id,
            },
            "text": comment.text,
            "created_at": comment.remote_created_at,
            "edited_at": comment.edited_at,
            "status": comment.status,
            "assignee_id": comment.assignee_id,
            "priority": comment.priority,
            "flags": list(comment.flags or []),
            "tags": sorted(t.name for t in comment.tags),
            "hidden": comment.hidden,
            "deleted": comment.deleted_on_network,
            "own": comment.is_own,
            "first_answered_at": comment.first_answered_at,
        }


class ActionOut(ma.Schema):
    id = fields.Integer()
    comment_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(["reply", "hide", "unhide", "delete"]))
    state = fields.String(
        metadata={"description": "queued, sending, retry_wait, done, failed, needs_review"}
    )
    text = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    remote_id = fields.String(allow_none=True)
    attempts = fields.Integer()
    error = fields.String(attribute="error_message", allow_none=True)
    created_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)


class NoteOut(ma.Schema):
    id = fields.Integer()
    text = fields.String()
    author_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class Possible(ma.Schema):
    available = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": "Why not, in words"})


class CommentDetail(CommentOut):
    thread = fields.List(fields.Nested(CommentOut), metadata={"description": "In time order"})
    notes = fields.List(fields.Nested(NoteOut))
    actions = fields.List(fields.Nested(ActionOut))
    possible = fields.Dict(keys=fields.String(), values=fields.Nested(Possible))

    @ma.pre_dump
    def _from_model(self, comment: Any, **kwargs: Any) -> dict[str, Any]:
        from hub.inbox.availability import availability
        from hub.inbox.queries import actions_of, thread_of

        data = super()._from_model(comment, **kwargs)
        data["thread"] = [entry.comment for entry in thread_of(comment).entries]
        data["notes"] = list(comment.notes)
        data["actions"] = actions_of(comment)
        data["possible"] = {
            kind: {"available": reason is None, "reason": reason}
            for kind, reason in availability(comment).as_dict().items()
        }
        return data


class InboxPageOut(ma.Schema):
    items = fields.List(fields.Nested(CommentOut))
    next_cursor = fields.String(
        allow_none=True, metadata={"description": "Pass as `cursor` for the next page; null: end"}
    )
