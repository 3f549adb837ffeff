"""The compose form: what the editor types, turned into an ``AnnouncementInput`` and back.

The form only carries values; every rule lives in ``hub.publishing`` and speaks through
``ValidationFailed``. Variant fields are added per selectable channel when the form class is
built, so a channel's text box exists only for channels the editor can choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from hub.i18n import from_local, to_local
from hub.models import Announcement, Channel
from hub.publishing.compose import AnnouncementInput, VariantInput
from hub.publishing.options import options_for
from hub.publishing.rules import rules_for

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
# What a datetime-local input sends (with or without seconds), and German typing as a fallback.
ACCEPTED_INPUT_FORMATS = (LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M")


def variant_field(channel_id: int, part: str) -> str:
    """Form field name of one channel's ``body`` or ``title``."""
    return f"variant_{channel_id}_{part}"


def option_field(channel_id: int, name: str) -> str:
    """Form field name of one channel's network setting (``hub.publishing.options``)."""
    return f"variant_{channel_id}_opt_{name}"


def kept_field(channel_id: int, name: str) -> str:
    """Hidden field holding the id of an already uploaded subtitle file."""
    return f"variant_{channel_id}_opt_{name}_kept"


def _option_fields(channel: Channel) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for spec in options_for(channel.network):
        name = option_field(channel.id, spec.name)
        if spec.kind == "choice":
            fields[name] = SelectField(
                spec.label, choices=list(spec.choices), default=spec.default, validate_choice=False
            )
        elif spec.kind in ("tags", "text"):
            fields[name] = StringField(spec.label, description=spec.help)
        else:
            fields[name] = FileField(spec.label, description=spec.help)
            fields[kept_field(channel.id, spec.name)] = HiddenField()
    return fields


class UploadRow(Form):
    file = FileField(_l("File"))
    alt_text = TextAreaField(_l("Alt text"))


class ExistingMediaRow(Form):
    media_id = HiddenField()
    alt_text = TextAreaField(_l("Alt text"))
    remove = BooleanField(_l("Remove"))


class ComposeForm(FlaskForm):
    version = HiddenField()
    title = StringField(_l("Internal title"))
    body = TextAreaField(_l("Text"))
    link = StringField(_l("Link"))
    channels = SelectMultipleField(_l("Channels"), coerce=int, choices=[], validate_choice=False)
    scheduled_at = StringField(_l("Publish at"))
    existing_media = FieldList(FormField(ExistingMediaRow))
    new_media = FieldList(FormField(UploadRow), min_entries=1)


def compose_form_class(channels: Sequence[Channel]) -> type[ComposeForm]:
    """A ComposeForm with a text box (and a title where the network takes one) per channel."""
    fields: dict[str, Any] = {}
    for channel in channels:
        fields[variant_field(channel.id, "body")] = TextAreaField(_l("Text for this channel"))
        if rules_for(channel.network).takes_title:
            fields[variant_field(channel.id, "title")] = StringField(_l("Title for this channel"))
        fields.update(_option_fields(channel))
    return type("ComposeForm", (ComposeForm,), fields)


def form_data_from(announcement: Announcement | None) -> dict[str, Any]:
    """The values a form opened on ``announcement`` (or a new one) starts with."""
    if announcement is None:
        return {"version": "", "channels": [], "new_media": [{}]}
    data: dict[str, Any] = {
        "version": str(announcement.version),
        "title": announcement.title,
        "body": announcement.body,
        "link": announcement.link or "",
        "channels": [v.channel_id for v in announcement.variants],
        "scheduled_at": format_local_input(announcement.scheduled_at),
        "existing_media": [
            {"media_id": str(link.media_id), "alt_text": link.media.alt_text or ""}
            for link in announcement.media_links
        ],
        "new_media": [{}],
    }
    for variant in announcement.variants:
        data[variant_field(variant.channel_id, "body")] = variant.body or ""
        data[variant_field(variant.channel_id, "title")] = variant.title or ""
        for spec in options_for(variant.channel.network):
            value = (variant.options or {}).get(spec.name)
            if spec.kind == "tags":
                data[option_field(variant.channel_id, spec.name)] = ", ".join(value or [])
            elif spec.kind == "subtitle":
                data[kept_field(variant.channel_id, spec.name)] = str(value or "")
            else:
                data[option_field(variant.channel_id, spec.name)] = value or spec.default
    return data


def typed_data(
    form: ComposeForm,
    stored: Sequence[tuple[int, str]],
    subtitles: dict[tuple[int, str], int] | None = None,
) -> dict[str, Any]:
    """What the editor typed, to show it again after a refused save.

    Files cannot be put back into a file input; ``stored`` lists the uploads kept from this
    attempt (id, alt text), which reappear as attached media, and ``subtitles`` the subtitle
    files, which stay chosen in their channel's settings.
    """
    data = {
        name: field.data
        for name, field in form._fields.items()
        if name != "csrf_token" and not isinstance(field, FileField)
    }
    for (channel_id, name), media_id in (subtitles or {}).items():
        data[kept_field(channel_id, name)] = str(media_id)
    data["channels"] = chosen_channel_ids(form)
    data["existing_media"] = [
        {"media_id": row.media_id.data, "alt_text": row.alt_text.data, "remove": row.remove.data}
        for row in form.existing_media
    ] + [{"media_id": str(media_id), "alt_text": alt} for media_id, alt in stored]
    data["new_media"] = [{}]
    return data


def chosen_channel_ids(form: ComposeForm) -> list[int]:
    return list(dict.fromkeys(form.channels.data or []))


def listed_media_ids(form: ComposeForm) -> list[int]:
    """Ids of every attached-media row, removed or not (junk ignored)."""
    ids = []
    for row in form.existing_media:
        try:
            ids.append(int(row.media_id.data))
        except (TypeError, ValueError):
            continue
    return ids


def kept_media_rows(form: ComposeForm) -> list[tuple[int, str]]:
    """(media id, alt text) of attached media the editor did not remove, in order."""
    rows = []
    for row in form.existing_media:
        if row.remove.data:
            continue
        try:
            rows.append((int(row.media_id.data), row.alt_text.data or ""))
        except (TypeError, ValueError):
            continue
    return rows


def channel_options(
    form: ComposeForm, channel_id: int, network: str, subtitles: dict[tuple[int, str], int]
) -> dict[str, Any]:
    """One channel's network settings as typed; ``subtitles`` holds files uploaded just now."""
    options: dict[str, Any] = {}
    for spec in options_for(network):
        if spec.kind == "subtitle":
            new = subtitles.get((channel_id, spec.name))
            kept = _field_text(form, kept_field(channel_id, spec.name))
            if new is not None or kept:
                options[spec.name] = new if new is not None else kept
        else:
            value = _field_text(form, option_field(channel_id, spec.name))
            if value:
                options[spec.name] = value
    return options


def to_input(
    form: ComposeForm,
    media_ids: list[int],
    networks: dict[int, str] | None = None,
    subtitles: dict[tuple[int, str], int] | None = None,
) -> tuple[AnnouncementInput, dict[str, list[str]]]:
    """The domain input, and the problems found while reading the form (bad date format)."""
    errors: dict[str, list[str]] = {}
    scheduled_at = None
    raw_time = (form.scheduled_at.data or "").strip()
    if raw_time:
        scheduled_at = parse_local_input(raw_time)
        if scheduled_at is None:
            errors["scheduled_at"] = [_("Please enter a valid date and time.")]
    channel_ids = chosen_channel_ids(form)
    variants: dict[int, VariantInput] = {}
    for channel_id in channel_ids:
        body = _field_text(form, variant_field(channel_id, "body"))
        title = _field_text(form, variant_field(channel_id, "title"))
        network = (networks or {}).get(channel_id)
        options = channel_options(form, channel_id, network, subtitles or {}) if network else {}
        if body or title or options:
            variants[channel_id] = VariantInput(
                body=body or None, title=title or None, options=options or None
            )
    data = AnnouncementInput(
        title=(form.title.data or "").strip(),
        body=form.body.data or "",
        link=(form.link.data or "").strip() or None,
        scheduled_at=scheduled_at,
        channel_ids=channel_ids,
        variants=variants,
        media_ids=media_ids,
    )
    return data, errors


def _field_text(form: ComposeForm, name: str) -> str:
    field = form._fields.get(name)
    return str(field.data or "").strip() if field is not None else ""


def submitted_version(form: ComposeForm) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def parse_local_input(raw: str) -> datetime | None:
    """A wall-clock time typed in Berlin, as aware UTC; None when it is not a date and time."""
    for fmt in ACCEPTED_INPUT_FORMATS:
        try:
            return from_local(datetime.strptime(raw, fmt))
        except ValueError:
            continue
    return None


def format_local_input(value: datetime | None) -> str:
    local = to_local(value)
    return local.strftime(LOCAL_INPUT_FORMAT) if local else ""
