"""Restoring a backup into an empty installation: every checksum compared before anything is
touched, the database loaded and its rows counted against the manifest (before any migration
could change them), the media put back, the schema upgraded to this release, and the channels
named whose logins the current encryption keys cannot read."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hub import crypto
from hub.backup import BackupError, tool_missing, unreachable
from hub.backup import database as target_db
from hub.backup.archive import Damaged, Reader, safe_name
from hub.backup.database import ToolFailed, ToolMissing
from hub.backup.manifest import FORMAT, MEDIA_PREFIX, Manifest, key_fingerprint
from hub.config import Settings
from hub.database import alembic_config, upgrade

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowDifference:
    table: str
    expected: int
    found: int | None  # None: the table is missing


@dataclass
class Restored:
    manifest: Manifest
    media_files: int
    revision_before: str | None
    revision_after: str | None
    differences: list[RowDifference] = field(default_factory=list)
    channels_needing_login: list[str] = field(default_factory=list)


def open_backup(path: Path) -> Reader:
    """The backup at ``path``, its manifest read (not yet verified)."""
    if not path.is_file():
        raise BackupError(_("There is no file %(path)s.", path=str(path)))
    try:
        reader = Reader(path)
    except Damaged as damaged:
        raise _damaged(damaged) from damaged
    if reader.manifest.format > FORMAT:
        reader.close()
        raise BackupError(
            _(
                "This backup was made by a newer hub (%(version)s); update hub first.",
                version=reader.manifest.hub_version,
            )
        )
    return reader


def keys_match(manifest: Manifest, settings: Settings) -> bool:
    """Whether some key of the backup's installation is among the current keys."""
    current = {key_fingerprint(k) for k in settings.encryption_keys}
    return bool(current & set(manifest.key_fingerprints))


def check_target(settings: Settings, manifest: Manifest, *, replace: bool) -> None:
    """Refuse a target of another kind, or one that holds hub's data (unless ``replace``)."""
    dialect = target_db.dialect_of(settings.database_url)
    if dialect != manifest.dialect:
        raise BackupError(
            _(
                "This backup holds a %(backup)s database; HUB_DATABASE_URL names a %(target)s "
                "one. Restore into the same kind of database.",
                backup=manifest.dialect,
                target=dialect,
            )
        )
    if not _known_revision(settings.database_url, manifest.alembic_revision):
        raise BackupError(
            _(
                "This backup was made by a newer hub (%(version)s); update hub first.",
                version=manifest.hub_version,
            )
        )
    try:
        target_db.require_tools(settings.database_url, "pg_restore")
    except ToolMissing as missing:
        raise tool_missing(str(missing)) from missing
    try:
        found = target_db.hub_data_in(settings.database_url)
    except (SQLAlchemyError, sqlite3.Error) as exc:
        log.error("restore: %s", exc)
        raise unreachable(str(exc)) from exc
    if found and not replace:
        rows = ", ".join(f"{table}: {n}" for table, n in sorted(found.items()))
        raise BackupError(
            _(
                "The database already holds hub's data (%(rows)s); nothing was changed. Restore "
                "into an empty database, or add --replace-existing-data to overwrite it.",
                rows=rows,
            )
        )


def _known_revision(url: str, revision: str | None) -> bool:
    """Whether this release's migrations know the backup's schema (else it cannot upgrade)."""
    if revision is None:
        return True
    try:
        return ScriptDirectory.from_config(alembic_config(url)).get_revision(revision) is not None
    except AlembicError:
        return False


def restore_backup(settings: Settings, reader: Reader, *, replace: bool = False) -> Restored:
    """Put the backup into the installation ``settings`` describes (its web app, workers and
    beat stopped)."""
    manifest = reader.manifest
    check_target(settings, manifest, replace=replace)
    try:
        reader.verify()
    except Damaged as damaged:
        raise _damaged(damaged) from damaged
    log.info("restore: every checksum of %s matches its manifest", reader.path)
    url = settings.database_url
    if target_db.tables_in(url):
        log.warning("restore: dropping the tables in the target database first")
        target_db.clear(url)
    try:
        with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".restore-") as work:
            dumped = Path(work) / manifest.database_member
            reader.extract(manifest.database_member, dumped)
            target_db.load(url, dumped)
    except ToolFailed as failed:
        log.error("restore: %s", failed)
        raise BackupError(
            _(
                "The database could not be restored; the log says why. Empty the database "
                "before the next attempt (or use --replace-existing-data)."
            ),
            str(failed),
        ) from failed
    log.info("restore: database loaded")
    differences = _compare_rows(url, manifest)
    media = _restore_media(reader, settings.media_dir)
    log.info("restore: %d media files written to %s", media, settings.media_dir)
    upgrade(url)
    with target_db.connected(url) as conn:
        revision_after = target_db.alembic_revision(conn)
    log.info("restore: schema at %s (backup: %s)", revision_after, manifest.alembic_revision)
    return Restored(
        manifest=manifest,
        media_files=media,
        revision_before=manifest.alembic_revision,
        revision_after=revision_after,
        differences=differences,
        channels_needing_login=channels_without_readable_login(url),
    )


def _damaged(damaged: Damaged) -> BackupError:
    log.error("restore: damaged backup: %s", damaged.detail)
    return BackupError(
        _("The backup file is damaged or incomplete; nothing was changed. Use another backup."),
        damaged.detail,
    )


def _compare_rows(url: str, manifest: Manifest) -> list[RowDifference]:
    """The restored rows against the manifest, at the backup's own schema revision."""
    with target_db.connected(url) as conn:
        found = target_db.row_counts(conn)
    differences = [
        RowDifference(table, expected, found.get(table))
        for table, expected in sorted(manifest.rows.items())
        if found.get(table) != expected
    ]
    for difference in differences:
        log.error("restore: %s has %s rows, the backup %s", *vars(difference).values())
    return differences


def _restore_media(reader: Reader, media_dir: Path) -> int:
    names = reader.names(MEDIA_PREFIX)
    for name in names:
        relative = safe_name(name[len(MEDIA_PREFIX) :])
        reader.extract(name, media_dir.joinpath(*relative.parts))
    return len(names)


def channels_without_readable_login(url: str) -> list[str]:
    """Channels whose stored login the current keys cannot decrypt: each needs a new login."""
    with target_db.connected(url) as conn:
        rows = conn.execute(
            text(
                "SELECT name, network, credentials FROM channel WHERE credentials IS NOT NULL "
                "ORDER BY name"
            )
        ).all()
    unreadable = []
    for name, network, credentials in rows:
        try:
            crypto.decrypt_json(credentials)
        except RuntimeError:
            unreadable.append(f"{name} ({network})")
    return unreadable
