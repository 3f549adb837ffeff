"""The shapes the API reads and writes, as marshmallow schemas: they check and document at once.

The rule for clients: whatever this file states (types, enums, lengths) is the *shape* of a
request, and breaking it is a 400 with field messages. What an announcement may say and where
it may go (network limits, alt texts, times in the past) is the domain's business
(:mod:`hub.publishing.compose`) and comes back as 422. The schemas also keep out what no
database stores (NUL characters, unpaired surrogates, ids beyond 32 bits), so bad input never
turns into a server error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from hub.api.errors import N_
from hub.models import AnnouncementStatus, Network

MAX_ID = 2**31 - 1  # the primary keys are 32-bit integers on PostgreSQL


class StrictSchema(ma.Schema):
    """A request body: unknown fields are refused, so a typo never silently does nothing."""

    class Meta:
        unknown = ma.RAISE


class Text(fields.String):
    """A string both databases can store: no NUL characters, no unpaired surrogates."""

    default_error_messages = {
        "unstorable": N_("The text contains characters that cannot be stored (such as NUL).")
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("unstorable")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise self.make_error("unstorable") from exc
        return text


class WebAddress(Text):
    """A link the domain can parse; whether it is http(s) is the domain's check."""

    default_error_messages = {"invalid_url": N_("Not a valid web address.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            urlparse(text)
        except ValueError as exc:  # e.g. "http://[" (an unclosed IPv6 literal)
            raise self.make_error("invalid_url") from exc
        return text


class Id(fields.Integer):
    """A row id in a JSON body: a whole number (not "5", not 5.0) in the database's range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Range(1, MAX_ID, error=N_("Not a valid id.")))
        super().__init__(strict=True, **kwargs)


class Version(fields.Integer):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate", validate.Range(1, MAX_ID, error=N_("Not a valid version number."))
        )
        kwargs.setdefault(
            "metadata",
            {"description": "The `version` from the last read; a newer stored one gives 409."},
        )
        super().__init__(strict=True, **kwargs)


class Moment(fields.DateTime):
    """ISO 8601. With an offset it is turned into UTC; without one it is passed on as it is,
    so that the domain reports the missing time zone with its own message (422)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        if moment.tzinfo is not None:
            try:
                moment = moment.astimezone(UTC)
            except OverflowError as exc:  # year 1 at +01:00 has no UTC equivalent
                raise self.make_error("invalid", input=value, obj_type="datetime") from exc
        return moment


NOT_ALLOWED_VALUE = N_("Not one of the allowed values (see /api/v1/openapi.json).")
CHANNEL_KEY = validate.Regexp(r"^[1-9][0-9]{0,9}$", error=N_("Not a valid channel id."))


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(UTC)


# --- requests ------------------------------------------------------------------------------


class VariantIn(StrictSchema):
    body = Text(allow_none=True, metadata={"description": "Text for this channel; empty: main"})
    title = Text(
        allow_none=True,
        validate=validate.Length(max=200, error=N_("At most 200 characters.")),
        metadata={"description": "Title for networks that take one (YouTube, Flickr)"},
    )
    options = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        allow_none=True,
        metadata={
            "description": "Network settings. X: reply_settings (everyone, following, "
            "mentionedUsers). YouTube: privacy (public, unlisted, private), category (id, e.g. "
            "25), tags (list or comma-separated), captions (id of an uploaded WebVTT/SRT file). "
            "Flickr: privacy (public, friends, family, private), tags."
        },
    )


class AnnouncementFields(StrictSchema):
    title = Text(metadata={"description": "Internal title; also the video/photo title"})
    body = Text()
    link = WebAddress(
        allow_none=True, validate=validate.Length(max=2000, error=N_("At most 2000 characters."))
    )
    channels = fields.List(Id(), metadata={"description": "Ids of the channels to post to"})
    variants = fields.Dict(
        keys=Text(validate=CHANNEL_KEY),
        values=fields.Nested(VariantIn),
        metadata={"description": 'Per-channel texts: {"<channel id>": {"body", "title"}}'},
    )
    scheduled_at = Moment(
        allow_none=True,
        metadata={"description": "ISO 8601 with offset, e.g. 2025-05-01T09:00:00+02:00"},
    )
    media = fields.List(Id(), metadata={"description": "Ids of uploaded media, in order"})


class AnnouncementCreate(AnnouncementFields):
    title = Text(required=True, metadata={"description": "Internal title"})


class AnnouncementPatch(AnnouncementFields):
    """Fields left out keep their stored values."""

    version = Version(required=True)


class ActionIn(StrictSchema):
    version = Version()


class RejectIn(ActionIn):
    comment = Text(
        load_default="", metadata={"description": "What the author should change (needed)"}
    )


class AnnouncementQuery(ma.Schema):
    status = fields.String(
        validate=validate.OneOf([s.value for s in AnnouncementStatus], error=NOT_ALLOWED_VALUE)
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(1, 100, error=N_("Between 1 and 100.")),
    )
    after_id = fields.Integer(
        validate=validate.Range(0, MAX_ID, error=N_("Not a valid id.")),
        metadata={"description": "Continue after this id (`next_after_id` of the last page)"},
    )


class ChannelCreate(StrictSchema):
    network = Text(
        required=True, validate=validate.OneOf([n.value for n in Network], error=NOT_ALLOWED_VALUE)
    )
    name = Text(
        required=True,
        validate=validate.Length(1, 200, error=N_("Between 1 and 200 characters.")),
    )
    external_id = Text(
        required=True,
        validate=validate.Length(1, 100, error=N_("Between 1 and 100 characters.")),
        metadata={"description": "Page id, IG user id, X user id, YouTube channel id, NSID"},
    )
    credentials = fields.Dict(
        keys=fields.String(),
        load_default=None,
        metadata={"description": "Tokens and secrets; stored encrypted, never returned"},
    )


class MediaUpload(ma.Schema):
    file = Upload(required=True)
    alt_text = Text(
        required=True,
        metadata={"description": "Description for people who cannot see the image or video"},
    )
    credit = Text(validate=validate.Length(max=300, error=N_("At most 300 characters.")))
    licence = Text(validate=validate.Length(max=100, error=N_("At most 100 characters.")))


# --- responses -----------------------------------------------------------------------------


class ErrorSchema(ma.Schema):
    """Every 4xx answer (and the rare 5xx) has this body."""

    error = fields.String(
        required=True, metadata={"description": "Stable code, e.g. validation_failed, stale_edit"}
    )
    message = fields.String(required=True, metadata={"description": "For people, translated"})
    field_errors = fields.Dict(
        data_key="fields",
        keys=fields.String(),
        values=fields.List(fields.String()),
        required=True,
        metadata={"description": 'Messages per field, e.g. {"variants.3.body": ["..."]}'},
    )


class PersonOut(ma.Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String(attribute="full_name", allow_none=True)


class VariantOut(ma.Schema):
    body = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    options = fields.Dict(allow_none=True)


class DeliveryOut(ma.Schema):
    channel_id = fields.Integer()
    network = fields.String(attribute="channel.network")
    state = fields.String()
    attempts = fields.Integer()
    remote_id = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    error = fields.String(attribute="error_message", allow_none=True)


class AnnouncementOut(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf([s.value for s in AnnouncementStatus]))
    version = fields.Integer()
    author = fields.Nested(PersonOut)
    approver = fields.Nested(PersonOut, allow_none=True)
    scheduled_at = fields.DateTime(allow_none=True, metadata={"description": "UTC"})
    submitted_at = fields.DateTime(allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    review_comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    channels = fields.List(fields.Integer())
    variants = fields.Dict(keys=fields.String(), values=fields.Nested(VariantOut))
    media = fields.List(fields.Integer())
    deliveries = fields.List(fields.Nested(DeliveryOut))

    @ma.pre_dump
    def _from_model(self, announcement: Any, **kwargs: Any) -> dict[str, Any]:
        return {
            "id": announcement.id,
            "title": announcement.title,
            "body": announcement.body,
            "link": announcement.link,
            "status": announcement.status,
            "version": announcement.version,
            "author": announcement.author,
            "approver": announcement.approver,
            "scheduled_at": _utc(announcement.scheduled_at),
            "submitted_at": _utc(announcement.submitted_at),
            "approved_at": _utc(announcement.approved_at),
            "review_comment": announcement.review_comment,
            "created_at": _utc(announcement.created_at),
            "updated_at": _utc(announcement.updated_at),
            "channels": [v.channel_id for v in announcement.variants],
            "variants": {
                str(v.channel_id): {"body": v.body, "title": v.title, "options": v.options}
                for v in announcement.variants
                if v.body or v.title or v.options
            },
            "media": [link.media_id for link in announcement.media_links],
            "deliveries": announcement.deliveries,
        }


class AnnouncementPage(ma.Schema):
    items = fields.List(fields.Nested(AnnouncementOut))
    next_after_id = fields.Integer(
        allow_none=True, metadata={"description": "Pass as after_id for the next page; null: end"}
    )


class ChannelOut(ma.Schema):
    """Credentials are deliberately not a field here: they never leave the server."""

    id = fields.Integer()
    network = fields.String()
    name = fields.String()
    external_id = fields.String()
    status = fields.String()
    status_message = fields.String(allow_none=True)
    token_expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class MediaOut(ma.Schema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(["image", "video"]))
    mime_type = fields.String()
    size = fields.Integer(attribute="size_bytes")
    sha256 = fields.String()
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    duration_seconds = fields.Float(allow_none=True)
    alt_text = fields.String(allow_none=True)
    credit = fields.String(allow_none=True)
    licence = fields.String(allow_none=True)
    original_name = fields.String()
    created_at = fields.DateTime()
