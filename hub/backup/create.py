"""Taking a backup: the database dump first (one consistent moment), then the media files
(never changed once stored, so any upload the dump knows of is on disk by then), the manifest
last."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from hub.backup import BackupError, tool_missing, unreachable
from hub.backup.archive import Writer, writing
from hub.backup.database import ToolFailed, ToolMissing, dialect_of, dump
from hub.backup.manifest import DATABASE_MEMBER, MEDIA_PREFIX, Manifest, key_fingerprint
from hub.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Created:
    path: Path
    manifest: Manifest

    @property
    def media_files(self) -> int:
        return sum(1 for name in self.manifest.members if name.startswith(MEDIA_PREFIX))

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def file_name(moment: datetime) -> str:
    return f"hub-backup-{moment.astimezone(UTC):%Y%m%dT%H%M%SZ}.tar"


def create_backup(settings: Settings, to: Path, now: datetime | None = None) -> Created:
    """Write ``hub-backup-<UTC time>.tar`` into the folder ``to``."""
    moment = now or datetime.now(UTC)
    dialect = dialect_of(settings.database_url)
    to.mkdir(parents=True, exist_ok=True)
    final = to / file_name(moment)
    if final.exists():
        raise BackupError(_("A backup named %(name)s exists already.", name=final.name))
    member = DATABASE_MEMBER[dialect]
    try:
        with tempfile.TemporaryDirectory(dir=to, prefix=".hub-backup-") as work:
            dumped = dump(settings.database_url, Path(work) / member)
            log.info("backup: database dumped (%s, revision %s)", dialect, dumped.alembic_revision)
            with writing(final) as writer:
                writer.add_file(member, dumped.path)
                dumped.path.unlink()  # the space back before the media are copied
                _add_media(writer, settings.media_dir)
                absent = _missing_media(dumped.media, writer.members)
                manifest = Manifest(
                    created_at=moment.astimezone(UTC).isoformat(),
                    dialect=dialect,
                    alembic_revision=dumped.alembic_revision,
                    rows=dumped.rows,
                    members=dict(writer.members),
                    key_fingerprints=[key_fingerprint(k) for k in settings.encryption_keys],
                    missing_media=absent,
                )
                writer.add_manifest(manifest)
    except ToolMissing as missing:
        raise tool_missing(str(missing)) from missing
    except ToolFailed as failed:
        log.error("backup: %s", failed)
        raise BackupError(
            _("The database could not be backed up; the log says why. No backup was written."),
            str(failed),
        ) from failed
    except (SQLAlchemyError, sqlite3.Error) as exc:
        log.error("backup: %s", exc)
        raise unreachable(str(exc)) from exc
    except OSError as exc:
        log.error("backup: %s", exc)
        raise BackupError(
            _(
                "The backup could not be written to %(folder)s: %(reason)s",
                folder=str(to),
                reason=exc.strerror or str(exc),
            ),
            str(exc),
        ) from exc
    log.info("backup: %s written, %d members", final, len(manifest.members))
    return Created(final, manifest)


def media_files(media_dir: Path) -> Iterator[tuple[str, Path]]:
    """Every stored upload and thumbnail as (member name, path), in a stable order; files being
    written (``.upload-…``, hidden) are not uploads yet."""
    if not media_dir.is_dir():
        return
    for path in sorted(media_dir.rglob("*")):
        relative = path.relative_to(media_dir)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        yield MEDIA_PREFIX + relative.as_posix(), path


def _missing_media(named: frozenset[str], members: Mapping[str, object]) -> list[str]:
    """Files the database names that the media folder lacks (a volume not mounted where the
    backup runs, a file lost earlier): said at once, not found out at the restore."""
    missing = sorted(path for path in named if MEDIA_PREFIX + path not in members)
    for path in missing:
        log.warning("backup: the database names media/%s, which is not in the media folder", path)
    return missing


def _add_media(writer: Writer, media_dir: Path) -> None:
    for name, path in media_files(media_dir):
        writer.add_file(name, path)
