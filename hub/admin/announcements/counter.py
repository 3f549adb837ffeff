"""The live counter's request: the compose form as JSON, read into domain input.

The browser sends what is typed right now (nothing is saved); the answer comes from
:func:`hub.admin.announcements.preview.network_previews`, so the numbers the editor sees are
the ones the save checks.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.admin.announcements.media import allowed_media
from hub.extensions import db
from hub.models import Announcement, Channel, MediaKind, User
from hub.publishing.compose import AnnouncementInput, VariantInput
from hub.publishing.rules import MediaFacts

MAX_TEXT = 100_000  # far above any network's limit; keeps one request cheap


class BadPayload(ValueError):
    """The request is not what the compose page sends."""


def read_payload(
    payload: Any, *, user: User
) -> tuple[AnnouncementInput, list[Channel], list[MediaFacts]]:
    if not isinstance(payload, dict):
        raise BadPayload("expected a JSON object")
    channel_ids = _ints(payload.get("channels", []))
    variants_raw = payload.get("variants") or {}
    if not isinstance(variants_raw, dict):
        raise BadPayload("variants must be an object")
    variants = {}
    for key, value in variants_raw.items():
        channel_id = _int(key)
        if channel_id in channel_ids and isinstance(value, dict):
            body, title = _text(value.get("body")), _text(value.get("title"))
            if body.strip() or title.strip():
                variants[channel_id] = VariantInput(body=body or None, title=title or None)
    data = AnnouncementInput(
        title=_text(payload.get("title")).strip(),
        body=_text(payload.get("body")),
        link=_text(payload.get("link")).strip() or None,
        channel_ids=channel_ids,
        variants=variants,
    )
    channels = (
        list(
            db.session.scalars(
                select(Channel)
                .where(Channel.id.in_(channel_ids))
                .order_by(Channel.network, Channel.name)
            )
        )
        if channel_ids
        else []
    )
    announcement = None
    if payload.get("announcement_id") not in (None, ""):
        announcement = db.session.get(Announcement, _int(payload["announcement_id"]))
    return data, channels, _media_facts(payload.get("media", []), announcement, user)


def _media_facts(raw: Any, announcement: Announcement | None, user: User) -> list[MediaFacts]:
    """Attached media by id (only those the form may use), new files by their browser type."""
    if not isinstance(raw, list):
        raise BadPayload("media must be a list")
    ids = [_int(item["id"]) for item in raw if isinstance(item, dict) and item.get("id")]
    known = allowed_media(ids, announcement=announcement, user=user)
    facts = []
    for item in raw:
        if not isinstance(item, dict):
            raise BadPayload("media entries must be objects")
        alt = _text(item.get("alt"))
        if item.get("id"):
            asset = known.get(_int(item["id"]))
            if asset is not None:
                facts.append(
                    MediaFacts(asset.kind, alt, asset.duration_seconds, asset.original_name)
                )
        elif item.get("kind") in (MediaKind.image, MediaKind.video):
            facts.append(MediaFacts(str(item["kind"]), alt, None, _text(item.get("name"))))
    return facts


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPayload("texts must be strings")
    if len(value) > MAX_TEXT:
        raise BadPayload("text too long")
    return value


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise BadPayload("ids must be numbers") from exc


def _ints(values: Any) -> list[int]:
    if not isinstance(values, list):
        raise BadPayload("channels must be a list")
    return list(dict.fromkeys(_int(v) for v in values))
