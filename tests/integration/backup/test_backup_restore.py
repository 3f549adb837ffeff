"""``hub backup`` and ``hub restore`` through the real command line, on both databases: a backup
restored into an empty installation serves the same announcements, comments, figures and media
bytes; a damaged backup and a target in use are refused without changing anything."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from hub import create_app
from hub.backup import database as backup_db
from hub.backup.archive import Reader
from hub.config import Settings
from hub.connectors.base import RemoteComment
from hub.database import alembic_config
from hub.extensions import db
from hub.inbox import ingest
from hub.metrics import dashboard
from hub.metrics.selection import Selection
from hub.models import Channel, MediaAsset
from hub.models.types import utcnow
from hub.publishing.media import media_path
from tests.integration.backup.conftest import Installation

BERLIN = ZoneInfo("Europe/Berlin")


def _served(app: Flask, installation: Installation, moment: Any) -> dict[str, Any]:
    """What the installation shows: its API's answers, the dashboard's tables, the media."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {installation.token}"}
    paths = ["/api/v1/announcements", "/api/v1/inbox?status=all", "/api/v1/metrics/channels"]
    paths += ["/api/v1/metrics/daily", "/api/v1/channels"]
    for ann in installation.announcements:
        paths += [f"/api/v1/announcements/{ann.id}", f"/api/v1/metrics/announcements/{ann.id}"]
    shown: dict[str, Any] = {}
    with app.app_context():
        for path in paths:
            answer = client.get(path, headers=auth)
            assert answer.status_code == 200, (path, answer.text[:300])
            shown[path] = answer.get_json()
            if isinstance(shown[path], dict) and "meta" in shown[path]:
                shown[path]["meta"].pop("generated_at")  # when it was asked
        for item in shown["/api/v1/inbox?status=all"]["items"]:
            path = f"/api/v1/inbox/{item['id']}"
            shown[path] = client.get(path, headers=auth).get_json()
        built = dashboard.build(Selection.recent(moment, BERLIN), BERLIN)
        shown["dashboard"] = {key: table.values() for key, table in built.tables.items()}
        settings = app.config["HUB_SETTINGS"]
        assets = db.session.scalars(select(MediaAsset).order_by(MediaAsset.id)).all()
        shown["media"] = {a.id: media_path(settings, a).read_bytes() for a in assets}
        shown["thumbnails"] = {
            a.id: (settings.media_dir / a.thumbnail_path).read_bytes()
            for a in assets
            if a.thumbnail_path
        }
        db.session.remove()
    return shown


def _restored_app(target: Settings, keys: tuple[str, ...]) -> Flask:
    from dataclasses import replace

    return create_app(replace(target, encryption_keys=keys), {"TESTING": True})


def _backup(hub, settings: Settings, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    result = hub(settings, "backup", "--to", str(folder))
    assert result.exit_code == 0, result.output
    (made,) = folder.glob("hub-backup-*.tar")
    assert str(made) in result.output
    return made


def test_a_restored_backup_serves_the_same(app, filled, empty_target, hub, tmp_path) -> None:
    moment = utcnow()
    before = _served(app, filled, moment)
    assert before["media"] and before["thumbnails"]
    inbox = before["/api/v1/inbox?status=all"]["items"]
    assert "answered" in {c["status"] for c in inbox} and any(c["hidden"] for c in inbox)
    assert before["dashboard"]["channels"] and before["/api/v1/metrics/daily"]["data"]

    made = _backup(hub, filled.settings, tmp_path / "backups")
    manifest = Reader(made).manifest
    assert manifest.rows["announcement"] == 2 and manifest.rows["comment"] == 4
    assert manifest.rows["metric_snapshot"] > 0 and manifest.rows["metric_daily"] > 0
    assert filled.settings.encryption_keys[0] not in made.read_bytes().decode("latin-1")

    keys = filled.settings.encryption_keys
    result = hub(empty_target, "restore", str(made), "--yes", keys=keys)
    assert result.exit_code == 0, result.output
    assert "Every table holds the rows the backup lists" in result.output
    assert "need a new login" not in result.output

    after = _served(_restored_app(empty_target, keys), filled, moment)
    for key in before:
        assert after[key] == before[key], key
    assert after.keys() == before.keys()


def test_other_keys_name_the_channels_that_need_a_new_login(
    app, filled, empty_target, hub, tmp_path
) -> None:
    made = _backup(hub, filled.settings, tmp_path / "backups")
    result = hub(empty_target, "restore", str(made), "--yes")  # the target's own new keys
    assert result.exit_code == 0, result.output
    assert "HUB_ENCRYPTION_KEYS differs" in result.output
    assert "need a new login" in result.output and "Stadt Bochum (X) (x)" in result.output


def test_a_damaged_backup_changes_nothing(app, filled, empty_target, hub, tmp_path) -> None:
    made = _backup(hub, filled.settings, tmp_path / "backups")
    data = bytearray(made.read_bytes())
    data[len(data) // 3] ^= 0xFF  # one byte inside the database dump or a media file
    flipped = tmp_path / "flipped.tar"
    flipped.write_bytes(bytes(data))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(bytes(data[: len(data) // 2]))
    for damaged in (flipped, truncated):
        result = hub(empty_target, "restore", str(damaged), "--yes")
        assert result.exit_code == 1
        assert "damaged or incomplete; nothing was changed" in result.output
        assert backup_db.tables_in(empty_target.database_url) == []
        assert not empty_target.media_dir.exists() or not any(empty_target.media_dir.iterdir())


def test_a_target_in_use_is_refused_unless_replacing(
    app, filled, empty_target, hub, tmp_path
) -> None:
    made = _backup(hub, filled.settings, tmp_path / "backups")
    keys = filled.settings.encryption_keys
    assert hub(empty_target, "restore", str(made), "--yes", keys=keys).exit_code == 0
    with _restored_app(empty_target, keys).app_context():
        channel = db.session.scalars(select(Channel)).first()
        channel.name = "Geändert nach dem Restore"
        db.session.commit()
        db.session.remove()

    refused = hub(empty_target, "restore", str(made), "--yes", keys=keys)
    assert refused.exit_code == 1
    assert "already holds hub's data" in refused.output
    assert "--replace-existing-data" in refused.output

    replaced = hub(
        empty_target, "restore", str(made), "--yes", "--replace-existing-data", keys=keys
    )
    assert replaced.exit_code == 0, replaced.output
    with _restored_app(empty_target, keys).app_context():
        names = set(db.session.scalars(select(Channel.name)))
        db.session.remove()
    assert "Geändert nach dem Restore" not in names and "Stadt Bochum (X)" in names


def test_a_backup_taken_while_hub_writes_restores_what_it_counted(
    app, filled, empty_target, hub, tmp_path
) -> None:
    """Comments keep arriving during the backup; the dump and its counts are one moment."""
    channel_id = db.session.scalars(select(Channel.id)).first()
    stop, written, started = threading.Event(), [0], threading.Event()

    def keep_writing() -> None:
        with app.app_context():
            while not stop.is_set():
                n = written[0] = written[0] + 1
                item = RemoteComment(
                    remote_id=f"live{n}",
                    text=f"Kommentar {n}",
                    created_at=utcnow(),
                    author_name="Bürger",
                    author_handle="buerger",
                    author_id="9",
                )
                ingest.store_comments(channel_id, [item])
                db.session.commit()
                started.set()
            db.session.remove()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        assert started.wait(60)
        during = written[0]
        made = _backup(hub, filled.settings, tmp_path / "backups")
        assert written[0] > during  # the app wrote while the backup ran
    finally:
        stop.set()
        writer.join(60)
    counted = Reader(made).manifest.rows["comment"]
    assert 4 + during - 1 <= counted <= 4 + written[0]  # written: counted before it commits

    keys = filled.settings.encryption_keys
    result = hub(empty_target, "restore", str(made), "--yes", keys=keys)
    assert result.exit_code == 0, result.output
    assert "Every table holds the rows the backup lists" in result.output


def test_a_backup_of_an_older_release_is_upgraded(fresh, hub, tmp_path) -> None:
    """Restored onto a newer hub (where `hub init` already ran), the schema is upgraded."""
    from alembic import command
    from alembic.script import ScriptDirectory

    older = fresh("older")
    command.upgrade(alembic_config(older.database_url), "0009")
    made = _backup(hub, older, tmp_path / "backups")
    assert Reader(made).manifest.alembic_revision == "0009"

    target = fresh("newer")
    assert hub(target, "init").exit_code == 0  # schema and roles, no data yet
    result = hub(target, "restore", str(made), "--yes")
    assert result.exit_code == 0, result.output
    head = ScriptDirectory.from_config(alembic_config(target.database_url)).get_current_head()
    assert f"upgraded from 0009 to {head}" in result.output
    with backup_db.connected(target.database_url) as conn:
        assert backup_db.alembic_revision(conn) == head


def _with_manifest(made: Path, to: Path, **changes: Any) -> Path:
    """A copy of the backup whose manifest says something else."""
    with tarfile.open(made) as source, tarfile.open(to, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                data = json.dumps({**json.loads(data), **changes}).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return to


def test_a_backup_of_a_newer_release_is_refused(app, filled, empty_target, hub, tmp_path) -> None:
    made = _backup(hub, filled.settings, tmp_path / "backups")
    newer = _with_manifest(made, tmp_path / "newer.tar", alembic_revision="9999", hub_version="9")
    result = hub(empty_target, "restore", str(newer), "--yes")
    assert result.exit_code == 1 and "made by a newer hub (9); update hub first" in result.output
    assert backup_db.tables_in(empty_target.database_url) == []


@pytest.mark.postgresql_only
def test_without_pg_restore_nothing_is_changed(app, filled, empty_target, hub, tmp_path) -> None:
    made = _backup(hub, filled.settings, tmp_path / "backups")
    keys = filled.settings.encryption_keys
    assert hub(empty_target, "restore", str(made), "--yes", keys=keys).exit_code == 0
    result = hub(
        empty_target, "restore", str(made), "--yes", "--replace-existing-data", PATH="/nonexistent"
    )
    assert result.exit_code == 1 and "pg_restore is not installed" in result.output
    with backup_db.connected(empty_target.database_url) as conn:
        assert backup_db.row_counts(conn) == Reader(made).manifest.rows


def test_media_the_database_names_but_the_folder_lacks_are_reported(
    app, filled, hub, tmp_path
) -> None:
    """E.g. the media volume not mounted where the backup runs: said now, not at the restore."""
    asset = db.session.scalars(select(MediaAsset)).first()
    media_path(filled.settings, asset).unlink()
    result = hub(filled.settings, "backup", "--to", str(tmp_path / "backups"))
    assert result.exit_code == 0, result.output
    assert "1 media file the database names is not in the media folder" in result.output
    (made,) = (tmp_path / "backups").glob("*.tar")
    assert Reader(made).manifest.missing_media == [asset.stored_path]
