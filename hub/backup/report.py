"""What ``hub backup`` and ``hub restore`` tell the IT staff running them, in their language
(hub.i18n.terminal_language); the step-by-step detail goes to the log."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from hub.backup.create import Created
from hub.backup.manifest import Manifest
from hub.backup.restore import Restored


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MB"


def created(result: Created, media_dir: str) -> list[str]:
    m = result.manifest
    return [
        _("Backup written: %(path)s (%(size)s)", path=str(result.path), size=_size(result.size)),
        ngettext(
            "It holds the database (%(dialect)s, %(announcements)s announcements, %(comments)s "
            "comments) and %(num)d media file.",
            "It holds the database (%(dialect)s, %(announcements)s announcements, %(comments)s "
            "comments) and %(num)d media files.",
            result.media_files,
            dialect=m.dialect,
            announcements=m.rows.get("announcement", 0),
            comments=m.rows.get("comment", 0),
        ),
        *(
            [
                ngettext(
                    "Warning: %(num)d media file the database names is not in the media folder "
                    "%(folder)s (see the log); the backup lacks it.",
                    "Warning: %(num)d media files the database names are not in the media "
                    "folder %(folder)s (see the log); the backup lacks them.",
                    len(m.missing_media),
                    folder=str(media_dir),
                )
            ]
            if m.missing_media
            else []
        ),
        _(
            "The keys are not in the backup: keep HUB_SECRET_KEY and HUB_ENCRYPTION_KEYS (or "
            "the files secret_key and encryption_keys in the data folder) safe separately."
        ),
    ]


def plan(manifest: Manifest, database: str, media_dir: str, keys_match: bool) -> list[str]:
    lines = [
        _(
            "Backup of %(created)s (hub %(version)s, %(dialect)s): %(announcements)s "
            "announcements, %(comments)s comments, %(users)s users.",
            created=manifest.created_at,
            version=manifest.hub_version,
            dialect=manifest.dialect,
            announcements=manifest.rows.get("announcement", 0),
            comments=manifest.rows.get("comment", 0),
            users=manifest.rows.get("user", 0),
        ),
        _(
            "Restore into the database %(database)s and the media folder %(media)s.",
            database=database,
            media=media_dir,
        ),
    ]
    if not keys_match:
        lines.append(key_warning())
    return lines


def key_warning() -> str:
    return _(
        "Warning: HUB_ENCRYPTION_KEYS differs from the keys of the backed-up installation. "
        "Channel logins can only be read with those keys; set them before restoring, or log "
        "in to the channels again afterwards."
    )


def restored(result: Restored) -> list[str]:
    lines = [
        ngettext(
            "Restored the database and %(num)d media file.",
            "Restored the database and %(num)d media files.",
            result.media_files,
        )
    ]
    if result.revision_before != result.revision_after:
        lines.append(
            _(
                "The database was upgraded from %(before)s to %(after)s.",
                before=result.revision_before or "-",
                after=result.revision_after or "-",
            )
        )
    if result.differences:
        tables = ", ".join(
            f"{d.table} ({d.found if d.found is not None else '-'} / {d.expected})"
            for d in result.differences
        )
        lines.append(
            _(
                "Warning: these tables do not hold the rows the backup lists (restored / in the "
                "backup): %(tables)s. See the log.",
                tables=tables,
            )
        )
    else:
        lines.append(
            _(
                "Every table holds the rows the backup lists (%(tables)s tables checked).",
                tables=len(result.manifest.rows),
            )
        )
    if result.channels_needing_login:
        lines.append(
            _(
                "These channels need a new login (their stored login cannot be decrypted with "
                "the current HUB_ENCRYPTION_KEYS): %(channels)s",
                channels=", ".join(result.channels_needing_login),
            )
        )
    return lines
