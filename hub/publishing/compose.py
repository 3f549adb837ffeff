"""Writing an announcement: one input, checked against every chosen network, saved whole or not.

The admin form and the REST API both build an :class:`AnnouncementInput` and call
:func:`save_announcement`; neither holds rules of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlparse

from flask_babel import gettext as _
from sqlalchemy import select

from hub import audit
from hub.extensions import db
from hub.models import (
    Announcement,
    AnnouncementMedia,
    AnnouncementStatus,
    Channel,
    ChannelStatus,
    MediaAsset,
    MediaKind,
    User,
    Variant,
)
from hub.models.announcement import EDITABLE_STATUSES
from hub.models.types import utcnow
from hub.publishing.errors import StaleEdit, ValidationFailed, WrongState
from hub.publishing.options import clean_options, options_for
from hub.publishing.rules import MediaFacts, check_post, rules_for, text_limit

# A time a few minutes ago still counts as "now": the form may have been open a while.
PAST_GRACE = timedelta(minutes=5)
MAX_TITLE = 200


@dataclass
class VariantInput:
    body: str | None = None
    title: str | None = None
    options: dict[str, Any] | None = None  # see hub.publishing.options


@dataclass
class AnnouncementInput:
    title: str
    body: str = ""
    link: str | None = None
    scheduled_at: datetime | None = None
    channel_ids: list[int] = field(default_factory=list)
    variants: dict[int, VariantInput] = field(default_factory=dict)
    media_ids: list[int] = field(default_factory=list)


def input_from(announcement: Announcement) -> AnnouncementInput:
    """The input that would produce ``announcement`` as it is stored (to re-check it)."""
    return AnnouncementInput(
        title=announcement.title,
        body=announcement.body,
        link=announcement.link,
        scheduled_at=announcement.scheduled_at,
        channel_ids=[v.channel_id for v in announcement.variants],
        variants={
            v.channel_id: VariantInput(v.body, v.title, dict(v.options) if v.options else None)
            for v in announcement.variants
            if v.body or v.title or v.options
        },
        media_ids=[link.media_id for link in announcement.media_links],
    )


def media_facts(media: Sequence[MediaAsset]) -> list[MediaFacts]:
    return [MediaFacts(m.kind, m.alt_text, m.duration_seconds, m.original_name) for m in media]


def check_input(data: AnnouncementInput) -> tuple[list[Channel], list[MediaAsset]]:
    """Raise ValidationFailed with every problem at once, or return the channels and media."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not data.title.strip():
        add("title", _("Please give the announcement an internal title."))
    elif len(data.title) > MAX_TITLE:
        add("title", _("The title may have at most %(n)s characters.", n=MAX_TITLE))
    if data.link:
        parsed = urlparse(data.link)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            add("link", _("The link must be a full web address starting with https://."))
    if data.scheduled_at is not None:
        if data.scheduled_at.tzinfo is None:
            add("scheduled_at", _("The time needs a time zone."))
        elif data.scheduled_at < utcnow() - PAST_GRACE:
            add("scheduled_at", _("The scheduled time lies in the past."))

    channels = _load(Channel, data.channel_ids)
    missing = sorted(set(data.channel_ids) - {c.id for c in channels})
    if missing:
        add("channels", _("Unknown channel: %(ids)s.", ids=", ".join(map(str, missing))))
    for channel in channels:
        if channel.status == ChannelStatus.disabled:
            add("channels", _("The channel %(name)s is switched off.", name=channel.name))
    stray = sorted(set(data.variants) - set(data.channel_ids))
    if stray:
        add(
            "variants",
            _(
                "Texts were given for channels that are not chosen: %(ids)s.",
                ids=", ".join(map(str, stray)),
            ),
        )

    media = _load(MediaAsset, data.media_ids)
    media.sort(key=lambda m: data.media_ids.index(m.id))
    missing_media = sorted(set(data.media_ids) - {m.id for m in media})
    if missing_media:
        add("media", _("Unknown media: %(ids)s.", ids=", ".join(map(str, missing_media))))
    for asset in media:
        if asset.kind == MediaKind.subtitle:
            add(
                "media",
                _(
                    "%(name)s is a subtitle file: choose it in the YouTube settings of the "
                    "announcement, not as an attachment.",
                    name=asset.original_name,
                ),
            )
        if asset.is_image and not (asset.alt_text or "").strip():
            add(
                "media",
                _(
                    "The image %(name)s needs an alt text (a description for blind readers).",
                    name=asset.original_name,
                ),
            )

    facts = media_facts(media)
    for channel in channels:
        body, title = channel_text(data, channel.id, channel.network)
        for problem in check_post(
            channel.network,
            body=body,
            title=title,
            link=data.link,
            media=facts,
            field=f"variants.{channel.id}",
            limit=text_limit(channel.network, channel.credentials),
        ):
            add(problem.field, problem.message)
    options: dict[int, dict[str, Any]] = {}
    for channel in channels:
        given = data.variants.get(channel.id, VariantInput()).options
        cleaned, problems = clean_options(channel.network, given, f"variants.{channel.id}")
        for problem in problems:
            add(problem.field, problem.message)
        for name, spec in ((s.name, s) for s in options_for(channel.network)):
            if spec.kind == "subtitle" and name in cleaned:
                asset = db.session.get(MediaAsset, cleaned[name])
                if asset is None or asset.kind != MediaKind.subtitle:
                    add(
                        f"variants.{channel.id}.options.{name}",
                        _("This is not a subtitle file (WebVTT or SRT)."),
                    )
        options[channel.id] = cleaned
    if errors:
        raise ValidationFailed(errors)
    return Checked(channels, media, options)


class Checked(NamedTuple):
    """What :func:`check_input` found: the chosen channels and media, the cleaned options."""

    channels: list[Channel]
    media: list[MediaAsset]
    options: dict[int, dict[str, Any]]


def channel_text(data: AnnouncementInput, channel_id: int, network: str) -> tuple[str, str]:
    """The body and title one channel gets: its variant where given, else the shared text.

    The title is empty for networks that take none. The live counter and the preview in the
    admin ask this too, so they show exactly what the save checks.
    """
    variant = data.variants.get(channel_id, VariantInput())
    body = variant.body if variant.body else data.body
    title = variant.title if variant.title else data.title
    if not rules_for(network).takes_title:
        title = ""
    return body, title


def _load(model: type, ids: Sequence[int]) -> list:  # type: ignore[type-arg]
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(set(ids)))))


def save_announcement(
    data: AnnouncementInput,
    *,
    user: User,
    announcement: Announcement | None = None,
    expected_version: int | None = None,
) -> Announcement:
    """Create or update an announcement; on any problem nothing is changed.

    Editing a scheduled (approved) announcement sends it back to review: the approver approved
    a text, not a slot.
    """
    if announcement is not None:
        if expected_version is not None and expected_version != announcement.version:
            raise StaleEdit(
                _(
                    "Someone else saved this announcement while you were editing it. "
                    "Your changes were not saved; please reload and apply them again."
                )
            )
        if announcement.status not in EDITABLE_STATUSES:
            raise WrongState(
                _(
                    "This announcement can no longer be changed (%(status)s).",
                    status=status_label(announcement.status),
                )
            )
    channels, media, options = check_input(data)

    created = announcement is None
    if announcement is None:
        announcement = Announcement(author=user, status=AnnouncementStatus.draft)
        db.session.add(announcement)
    announcement.title = data.title.strip()
    announcement.body = data.body
    announcement.link = data.link or None
    announcement.scheduled_at = data.scheduled_at
    # Always touch the row: a save that changes only variants or media must still move the
    # version, or a second editor's stale save would slip through.
    announcement.updated_at = utcnow()

    by_channel = {v.channel_id: v for v in announcement.variants}
    announcement.variants = []
    for channel in channels:
        variant = by_channel.get(channel.id) or Variant(channel=channel)
        given = data.variants.get(channel.id, VariantInput())
        variant.body = given.body or None
        variant.title = given.title or None
        variant.options = options.get(channel.id) or None
        announcement.variants.append(variant)

    links = {link.media_id: link for link in announcement.media_links}
    announcement.media_links = []
    for position, asset in enumerate(media):
        link = links.get(asset.id) or AnnouncementMedia(media=asset)
        link.position = position
        announcement.media_links.append(link)

    if created:
        db.session.flush()
        audit.record("announcement.created", announcement, actor=user)
    else:
        sent_back = announcement.status == AnnouncementStatus.scheduled
        if sent_back:
            announcement.status = AnnouncementStatus.in_review
            announcement.approver_id = None
            announcement.approved_at = None
        audit.record("announcement.edited", announcement, actor=user, sent_back=sent_back)
    return announcement


def status_label(status: str) -> str:
    from hub.publishing.labels import ANNOUNCEMENT_STATUS

    return str(ANNOUNCEMENT_STATUS.get(status, status))
