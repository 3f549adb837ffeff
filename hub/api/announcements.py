"""``/api/v1/announcements``: the city's CMS hands announcements over and follows them.

Handlers are thin: check the permission, turn the JSON into an ``AnnouncementInput`` and call
:mod:`hub.publishing` (which validates, audits and raises the errors mapped in
:mod:`hub.api.errors`), then commit once.
"""

from __future__ import annotations

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
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.models import Announcement, Delivery, User
from hub.publishing import workflow
from hub.publishing.compose import (
    AnnouncementInput,
    VariantInput,
    input_from,
    save_announcement,
)
from hub.publishing.errors import StaleEdit
from hub.scheduler import hints

blp = ApiBlueprint(
    "api_announcements",
    __name__,
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


def _check_version(announcement: Announcement, version: int | None) -> None:
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
    save_announcement(
        data, user=user, announcement=announcement, expected_version=payload["version"]
    )
    db.session.commit()
    return announcement


def _step(
    announcement_id: int, payload: Mapping[str, Any], step: Callable[[Announcement, User], None]
) -> Announcement:
    announcement = _load(announcement_id)
    _check_version(announcement, payload.get("version"))
    step(announcement, current_api_user())
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
    """Approve an announcement in review (approvers; never the author: 403)."""
    announcement = _step(announcement_id, payload, workflow.approve)
    hints.dispatch_soon(announcement.scheduled_at)  # at its time, not at the next beat
    return announcement


@blp.route(f"{ONE}/reject", methods=["POST"])
@blp.arguments(RejectIn)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415, 422)
def reject_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Send an announcement back to its author with a `comment` (approvers)."""

    def send_back(announcement: Announcement, user: User) -> None:
        workflow.send_back(announcement, user, payload["comment"])

    return _step(announcement_id, payload, send_back)


@blp.route(f"{ONE}/cancel", methods=["POST"])
@blp.arguments(ActionIn, required=False)
@blp.response(200, AnnouncementOut)
@blp.errors(403, 404, 409, 415)
def cancel_announcement(payload: dict[str, Any], announcement_id: int) -> Announcement:
    """Stop an announcement that is not (fully) published yet (editors, approvers)."""
    return _step(announcement_id, payload, workflow.cancel)
