"""``/api/v1/announcements``: the city's CMS hands announcements over and follows them.

Handlers are thin: check the permission, turn the JSON into an ``AnnouncementInput`` and call
:mod:`hub.publishing` (which validates, audits and raises the errors mapped in
:mod:`hub.api.errors`), then commit once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hub.api.blueprint import ID, ApiBlueprint, current_api_user, found, user_with
from hub.api.schemas import (
    ActionIn,
    AnnouncementCreate,
    AnnouncementOut,
    AnnouncementPage,
    AnnouncementPatch,
    AnnouncementQuery,
    RejectIn,
)
from hub.auth.permissions import Permission, can
from hub.auth.scopes import Scope
from hub.extensions import db
from hub.models import Announcement, Channel, Delivery, User
from hub.publishing import workflow
from hub.publishing.compose import (
    AnnouncementInput,
    VariantInput,
    check_input,
    input_from,
    save_announcement,
)
from hub.publishing.errors import StaleEdit, ValidationFailed
from hub.publishing.media import usable_media
from hub.publishing.options import options_for
from hub.scheduler import hints

blp = ApiBlueprint(
    "api_announcements",
    __name__,
    read_scope=Scope.announcements_read,
    write_scope=Scope.announcements_write,  # also the review steps (approve, reject, cancel)
    description="Announcements: write once, review (four eyes), follow per-channel delivery.",
)

ONE = f"/announcements/<{ID}:announcement_id>"


def _load(announcement_id: int) -> Announcement:
    return found(Announcement, announcement_id, _("There is no announcement with this id."))


def announcement_input(payload: Mapping[str, Any], base: AnnouncementInput) -> AnnouncementInput:
    """``base`` with the fields the client sent; left-out fields keep their values.

    Texts for channels that are no longer chosen are dropped unless the client sent
    ``variants`` itself (then the domain tells them about the mismatch).
    """
    data = AnnouncementInput(
        title=payload.get("title", base.title),
        body=payload.get("body", base.body),
        link=payload.get("link", base.link),
        scheduled_at=payload.get("scheduled_at", base.scheduled_at),
        channel_ids=list(payload.get("channels", base.channel_ids)),
        media_ids=list(payload.get("media", base.media_ids)),
    )
    if "variants" in payload:
        data.variants = {
            int(key): VariantInput(
                body=given.get("body"), title=given.get("title"), options=given.get("options")
            )
            for key, given in payload["variants"].items()
        }
    else:
        data.variants = {k: v for k, v in base.variants.items() if k in data.channel_ids}
    return data


def media_ids_in(data: AnnouncementInput) -> dict[str, list[int]]:
    """Every media id ``data`` names, by field: attachments and subtitle files in options."""
    named: dict[str, list[int]] = {"media": list(data.media_ids)}
    networks = {
        c.id: c.network
        for c in db.session.scalars(select(Channel).where(Channel.id.in_(data.channel_ids)))
    }
    for channel_id, variant in data.variants.items():
        if channel_id not in networks:
            continue  # an unknown or unchosen channel: compose reports it
        for spec in options_for(networks[channel_id]):
            value = (variant.options or {}).get(spec.name)
            if spec.kind == "subtitle" and value not in (None, ""):
                try:
                    named.setdefault(f"variants.{channel_id}.options.{spec.name}", []).append(
                        int(value)
                    )
                except (TypeError, ValueError):
                    continue  # not an id: compose reports it
    return named


def check_media_use(
    data: AnnouncementInput, user: User, announcement: Announcement | None = None
) -> None:
    """Refuse media ids the caller may not use (see :func:`hub.publishing.media.usable_media`)
    as unknown, so an id tells nothing about someone else's files."""
    named = media_ids_in(data)
    already = media_ids_in(input_from(announcement)) if announcement is not None else {}
    attached = {media_id for ids in already.values() for media_id in ids}
    wanted = {media_id for ids in named.values() for media_id in ids}
    usable = usable_media(wanted, user=user, attached=attached)
    errors = {
        name: [_("Unknown media: %(ids)s.", ids=", ".join(map(str, sorted(set(refused)))))]
        for name, ids in named.items()
        if (refused := [media_id for media_id in ids if media_id not in usable])
    }
    if errors:
        # Everything else wrong with the input is reported at once, as compose does.
        allowed = [media_id for media_id in data.media_ids if media_id in usable]
        try:
            check_input(dataclasses.replace(data, media_ids=allowed))
        except ValidationFailed as exc:
            for name, messages in exc.fields.items():
                known = errors.setdefault(name, [])
                known.extend([m for m in messages if m not in known])
        raise ValidationFailed(errors)


def _check_version(
    announcement: Announcement, version: int | None, *, required: bool = False
) -> None:
    if version is None and required:
        # A review step must name what was reviewed: without it a change made after the
        # approver read the announcement would be approved unseen.
        raise ValidationFailed(
            {"version": [_("Send the version of the announcement you reviewed.")]},
            _("Send the version you reviewed; nothing was changed."),
        )
    if version is not None and version != announcement.version:
        raise StaleEdit(
            _(
                "The announcement was changed since you read it (version %(given)s, now "
                "%(current)s). Read it again and repeat the step.",
                given=version,
                current=announcement.version,
            )
        )


@blp.route("/announcements", methods=["GET"])
@blp.arguments(AnnouncementQuery, location="query")
@blp.response(200, AnnouncementPage)
@blp.errors(403)
def list_announcements(query: dict[str, Any]) -> dict[str, Any]:
    """List announcements, oldest first, a page at a time.

    Filter with `status`; continue with `after_id` set to the page's `next_after_id`.
    """
    user_with(Permission.view_announcements)
    limit = query["limit"]
    statement = (
        select(Announcement)
        .order_by(Announcement.id)
        .limit(limit + 1)
        .options(
            selectinload(Announcement.author),
            selectinload(Announcement.approver),
            selectinload(Announcement.variants),
            selectinload(Announcement.media_links),
            selectinload(Announcement.deliveries).selectinload(Delivery.channel),
        )
    )
    if "status" in query:
        statement = statement.where(Announcement.status == query["status"])
    if "after_id" in query:
        statement = statement.where(Announcement.id > query["after_id"])
    rows = list(db.session.scalars(statement))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_after_id": rows[-1].id if more else None}


@blp.route("/announcements", methods=["POST"])
@blp.arguments(AnnouncementCreate)
@blp.response(201, AnnouncementOut, headers={"Location": {"schema": {"type": "string"}}})
@blp.errors(403, 413, 415, 422)
def create_announcement(payload: dict[str, Any]) -> tuple[Announcement, int, dict[str, str]]:
    """Create a draft announcement (editors)."""
    user = user_with(Permission.compose)
    data = announcement_input(payload, AnnouncementInput(title=""))
    check_media_use(data, user)
    announcement = save_announcement(data, user=user)
    db.session.commit()
    location = url_for(
        "api_announcements.get_announcement", announcement_id=announcement.id, _external=True
    )
    return announcement, 201, {"Location": location}


@blp.route(ONE, methods=["GET"])
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404)
def get_announcement(announcement_id: int) -> Announcement:
    """One announcement with its per-channel texts and delivery states."""
    user_with(Permission.view_announcements)
    return _load(announcement_id)


@blp.route(ONE, methods=["PATCH"])
@blp.arguments(AnnouncementPatch)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 413, 415, 422)
def update_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Change an announcement (editors); send the `version` you read.

    Changing an approved announcement sends it back to review.
    """
    user = user_with(Permission.compose)
    announcement = _load(announcement_id)
    data = announcement_input(payload, input_from(announcement))
    check_media_use(data, user, announcement)
    save_announcement(
        data, user=user, announcement=announcement, expected_version=payload["version"]
    )
    db.session.commit()
    return announcement


def _step(
    announcement_id: int,
    payload: Mapping[str, Any],
    step: Callable[[Announcement, User], None],
    *,
    review: bool = False,
) -> Announcement:
    """Run a workflow step; a review step (approve, reject) needs the version that was read."""
    announcement = _load(announcement_id)
    user = current_api_user()
    # Someone who may not review at all hears that (403 from the step), not about the version.
    required = review and can(Permission.approve, user)
    _check_version(announcement, payload.get("version"), required=required)
    step(announcement, user)
    db.session.commit()
    return announcement


@blp.route(f"{ONE}/submit", methods=["POST"])
@blp.arguments(ActionIn, required=False)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415, 422)
def submit_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Hand a draft to review (editors)."""
    return _step(announcement_id, payload, workflow.submit)


@blp.route(f"{ONE}/approve", methods=["POST"])
@blp.arguments(ActionIn, required=False)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415, 422)
def approve_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Approve an announcement in review; send the `version` you reviewed (422 without it,
    409 when it changed since).

    Approvers only, and never one who wrote or changed the announcement (403, four-eyes).
    """
    announcement = _step(announcement_id, payload, workflow.approve, review=True)
    hints.dispatch_soon(announcement.scheduled_at)  # at its time, not at the next beat
    return announcement


@blp.route(f"{ONE}/reject", methods=["POST"])
@blp.arguments(RejectIn)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415, 422)
def reject_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Send an announcement back to its author with a `comment` (approvers); send the
    `version` you reviewed (422 without it, 409 when it changed since)."""

    def send_back(announcement: Announcement, user: User) -> None:
        workflow.send_back(announcement, user, payload["comment"])

    return _step(announcement_id, payload, send_back, review=True)


@blp.route(f"{ONE}/cancel", methods=["POST"])
@blp.arguments(ActionIn, required=False)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415)
def cancel_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Stop an announcement that is not (fully) published yet (editors, approvers)."""
    return _step(announcement_id, payload, workflow.cancel)
