"""The announcements pages: list, compose (new/edit), detail with review buttons, live counter.

A custom ``BaseView`` rather than a ModelView: an announcement is composed with per-channel
variants and media, and changes state only through ``hub.publishing``. Handlers stay thin.
"""

from __future__ import annotations

from flask import abort, current_app, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user

from hub.admin.access import ProtectedView
from hub.admin.announcements import queries
from hub.admin.announcements.counter import BadPayload, read_payload
from hub.admin.announcements.delivery_actions import (
    DeliveryActionForm,
    MarkPublishedForm,
    available_actions,
    run_action,
)
from hub.admin.announcements.form import (
    ComposeForm,
    compose_form_class,
    form_data_from,
    listed_media_ids,
    typed_data,
)
from hub.admin.announcements.media import allowed_media, thumbnail_response
from hub.admin.announcements.preview import network_previews
from hub.admin.announcements.saving import save_from_form
from hub.admin.announcements.steps import SendBackForm, StepForm, buttons_for, run_step
from hub.auth.permissions import Permission, can, require
from hub.config import Settings
from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, Channel, Delivery, MediaAsset
from hub.models.announcement import EDITABLE_STATUSES
from hub.publishing import labels
from hub.publishing.compose import input_from, media_facts, status_label
from hub.publishing.options import options_for

FORM_FIELDS = ("title", "body", "link", "channels", "variants", "media", "scheduled_at")


class AnnouncementsView(ProtectedView, BaseView):
    required_permission = Permission.view_announcements

    # -- list -------------------------------------------------------------------------------

    @expose("/")
    def index(self) -> str:
        status = request.args.get("status") or None
        if status not in labels.ANNOUNCEMENT_STATUS:
            status = None
        page = queries.announcement_page(status, request.args.get("page", 1, type=int))
        return self.render(
            "admin/announcements/list.html",
            page=page,
            status=status,
            statuses=list(AnnouncementStatus),
            badges=queries.channel_badges,
            labels=labels,
            can_compose=can(Permission.compose),
        )

    # -- compose ----------------------------------------------------------------------------

    @expose("/new", methods=("GET", "POST"))
    @require(Permission.compose)
    def create(self) -> ResponseReturnValue:
        return self._compose(None)

    @expose("/<int:announcement_id>/edit", methods=("GET", "POST"))
    @require(Permission.compose)
    def edit(self, announcement_id: int) -> ResponseReturnValue:
        return self._compose(self._get(announcement_id))

    def _compose(self, announcement: Announcement | None) -> ResponseReturnValue:
        channels = queries.selectable_channels(announcement)
        form_class = compose_form_class(channels)
        if request.method == "GET":
            if announcement is not None and announcement.status not in EDITABLE_STATUSES:
                flash(
                    _(
                        "This announcement can no longer be changed (%(status)s).",
                        status=status_label(announcement.status),
                    ),
                    "error",
                )
                return redirect(url_for(".detail", announcement_id=announcement.id))
            form = form_class(formdata=None, data=form_data_from(announcement))
            return self._render_compose(form, channels, announcement, {}, None)
        posted = form_class()
        outcome = save_from_form(
            posted,
            announcement=announcement,
            user=current_user,
            settings=_settings(),
            channels=channels,
        )
        if outcome.saved:
            flash(_("The announcement was saved."), "success")
            return redirect(url_for(".detail", announcement_id=outcome.announcement.id))
        form = form_class(
            formdata=None,
            data=typed_data(posted, outcome.kept_uploads, outcome.kept_subtitles),
        )
        page = self._render_compose(form, channels, announcement, outcome.errors, outcome.message)
        return page, 409 if outcome.message else 422

    def _render_compose(
        self,
        form: ComposeForm,
        channels: list[Channel],
        announcement: Announcement | None,
        errors: dict[str, list[str]],
        message: str | None,
    ) -> str:
        # Only media this form may use are shown (a tampered id shows nothing).
        media = allowed_media(listed_media_ids(form), announcement=announcement, user=current_user)
        shown = (
            set(FORM_FIELDS)
            | {
                f"variants.{channel.id}.{part}"
                for channel in channels
                for part in ("body", "title", "media")
            }
            | {
                f"variants.{channel.id}.options.{spec.name}"
                for channel in channels
                for spec in options_for(channel.network)
            }
        )
        kept_subtitles = [
            int(field.data)
            for name, field in form._fields.items()
            if name.endswith("_kept") and str(field.data or "").isdigit()
        ]
        subtitle_names = {
            str(asset.id): asset.original_name
            for asset in (db.session.get(MediaAsset, i) for i in kept_subtitles)
            if asset is not None
        }
        return self.render(
            "admin/announcements/compose.html",
            form=form,
            network_options=options_for,
            subtitle_names=subtitle_names,
            channels=channels,
            chosen=set(form.channels.data or []),
            announcement=announcement,
            media=media,
            errors=errors,
            other_errors=[m for key, msgs in errors.items() if key not in shown for m in msgs],
            message=message,
            labels=labels,
        )

    @expose("/count", methods=("POST",))
    @require(Permission.compose)
    def count(self) -> ResponseReturnValue:
        """The live counter: counts and problems per chosen channel for what is typed now."""
        try:
            data, channels, media = read_payload(request.get_json(silent=True), user=current_user)
        except BadPayload as exc:
            return jsonify(error=str(exc)), 400
        previews = network_previews(data, channels, media)
        return jsonify(channels=[p.as_json() for p in previews])

    # -- detail and review ------------------------------------------------------------------

    @expose("/<int:announcement_id>/")
    def detail(self, announcement_id: int) -> str:
        announcement = self._get(announcement_id)
        previews = network_previews(
            input_from(announcement), announcement.channels, media_facts(announcement.media)
        )
        step_form = StepForm(formdata=None, data={"version": str(announcement.version)})
        send_back_form = SendBackForm(formdata=None, data={"version": str(announcement.version)})
        return self.render(
            "admin/announcements/detail.html",
            announcement=announcement,
            previews=previews,
            deliveries=announcement.deliveries,
            delivery_actions=lambda d: available_actions(d, current_user),
            action_form=DeliveryActionForm(formdata=None),
            mark_form=MarkPublishedForm(formdata=None),
            buttons=buttons_for(announcement, current_user),
            step_form=step_form,
            send_back_form=send_back_form,
            labels=labels,
        )

    @expose("/<int:announcement_id>/submit", methods=("POST",))
    def submit(self, announcement_id: int) -> ResponseReturnValue:
        return self._step("submit", announcement_id)

    @expose("/<int:announcement_id>/approve", methods=("POST",))
    def approve(self, announcement_id: int) -> ResponseReturnValue:
        return self._step("approve", announcement_id)

    @expose("/<int:announcement_id>/send-back", methods=("POST",))
    def send_back(self, announcement_id: int) -> ResponseReturnValue:
        return self._step("send_back", announcement_id)

    @expose("/<int:announcement_id>/cancel", methods=("POST",))
    def cancel(self, announcement_id: int) -> ResponseReturnValue:
        return self._step("cancel", announcement_id)

    def _step(self, name: str, announcement_id: int) -> ResponseReturnValue:
        done, messages = run_step(name, self._get(announcement_id), current_user)
        for message in messages:
            flash(message, "success" if done else "error")
        return redirect(url_for(".detail", announcement_id=announcement_id))

    # -- deliveries -------------------------------------------------------------------------

    @expose(
        "/deliveries/<int:delivery_id>/<any(retry, publish_again, mark_published):action>",
        methods=("POST",),
    )
    def delivery_action(self, delivery_id: int, action: str) -> ResponseReturnValue:
        delivery = db.session.get(Delivery, delivery_id) or abort(404)
        done, messages = run_action(action, delivery, current_user)
        for message in messages:
            flash(message, "success" if done else "error")
        target = url_for(".detail", announcement_id=delivery.announcement_id)
        return redirect(f"{target}#delivery-{delivery_id}")

    # -- media ------------------------------------------------------------------------------

    @expose("/media/<int:media_id>/thumbnail")
    def media_thumbnail(self, media_id: int) -> ResponseReturnValue:
        asset = db.session.get(MediaAsset, media_id) or abort(404)
        return thumbnail_response(asset, _settings())

    # -- helpers ----------------------------------------------------------------------------

    def _get(self, announcement_id: int) -> Announcement:
        return db.session.get(Announcement, announcement_id) or abort(404)


def _settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]
