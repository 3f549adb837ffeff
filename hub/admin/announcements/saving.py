"""Saving the compose form: uploads first, then the announcement, whole or not at all.

Uploaded files are kept (committed on their own) before the announcement is checked, so a
refused save does not make the editor choose the files again: they come back as attached media
on the re-shown form. Everything else (text, channels, alt-text edits) is saved by
``save_announcement`` in one transaction, or rolled back with every problem reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from hub.admin.announcements.form import (
    ComposeForm,
    kept_media_rows,
    submitted_version,
    to_input,
)
from hub.admin.announcements.media import (
    allowed_media,
    apply_alt_texts,
    store_new_uploads,
    store_subtitle_uploads,
)
from hub.config import Settings
from hub.extensions import db
from hub.models import Announcement, Channel, User
from hub.publishing.compose import check_input, save_announcement
from hub.publishing.errors import StaleEdit, ValidationFailed, WrongState


def stale_message() -> str:
    return _(
        "Someone else saved this announcement while you were editing it. "
        "Your changes were not saved; please reload and apply them again."
    )


@dataclass
class SaveOutcome:
    announcement: Announcement | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    message: str | None = None  # a refusal for the whole form (stale edit, wrong state)
    kept_uploads: list[tuple[int, str]] = field(default_factory=list)  # (media id, alt text)
    # Subtitle files uploaded with this attempt: {(channel id, option name): media id}.
    kept_subtitles: dict[tuple[int, str], int] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        return self.announcement is not None


def save_from_form(
    form: ComposeForm,
    *,
    announcement: Announcement | None,
    user: User,
    settings: Settings,
    channels: Sequence[Channel] = (),
) -> SaveOutcome:
    stored, errors = store_new_uploads(form.new_media, settings=settings, user=user)
    chosen = set(form.channels.data or [])
    subtitles, subtitle_errors = store_subtitle_uploads(
        form, [c for c in channels if c.id in chosen], settings=settings, user=user
    )
    for name, messages in subtitle_errors.items():
        _add(errors, name, messages)
    db.session.commit()
    outcome = SaveOutcome(
        kept_uploads=[(a.id, a.alt_text or "") for a in stored], kept_subtitles=subtitles
    )

    kept = kept_media_rows(form)
    usable = allowed_media(
        [media_id for media_id, _alt in kept], announcement=announcement, user=user
    )
    if any(media_id not in usable for media_id, _alt in kept):
        _add(errors, "media", [_("Some attached media could not be found; please check them.")])
    # An image shared with another announcement gets a copy instead of a changed alt text.
    replaced = apply_alt_texts(kept, usable, announcement=announcement, user=user)
    media_ids = [replaced.get(media_id, media_id) for media_id, _alt in kept if media_id in usable]
    data, read_errors = to_input(
        form,
        media_ids + [a.id for a in stored],
        networks={c.id: c.network for c in channels},
        subtitles=subtitles,
    )
    for name, messages in read_errors.items():
        _add(errors, name, messages)

    try:
        if errors:
            # Report the form's own problems together with the domain's, then refuse.
            try:
                check_input(data)
            except ValidationFailed as exc:
                for name, messages in exc.fields.items():
                    _add(errors, name, messages)
            raise ValidationFailed(errors)
        saved = save_announcement(
            data,
            user=user,
            announcement=announcement,
            # An edit without a version cannot prove it saw the latest state: treat as stale.
            expected_version=(submitted_version(form) or 0) if announcement else None,
        )
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        outcome.errors = exc.fields
    except (StaleEdit, WrongState) as exc:
        db.session.rollback()
        outcome.message = exc.message
    except StaleDataError:
        db.session.rollback()
        outcome.message = stale_message()
    else:
        outcome.announcement = saved
    return outcome


def _add(errors: dict[str, list[str]], name: str, messages: list[str]) -> None:
    errors.setdefault(name, []).extend(messages)
