"""An installation worth backing up, and an empty one to restore into.

``filled`` publishes announcements (one with an image) to the sandbox through the real pipeline,
stores comments on them (hidden ones, answered ones, with notes), and reads engagement figures
(snapshots and the daily rollups) from the sandbox. ``empty_target`` is a new data folder with a
database that does not exist yet (SQLite) or a new, empty PostgreSQL database, dropped after the
test. ``hub`` runs the real command line with an installation's environment.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from hub.cli import main
from hub.config import Settings
from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox import ingest, operations
from hub.metrics import collect
from hub.metrics.settings import MetricsSettings
from hub.models import Announcement
from hub.models.types import utcnow
from tests.conftest import (
    _create_pg_database,
    drop_pg_database,
    make_settings,
    run_suffix,
    service_missing,
)
from tests.support import approved_announcement, publish_due

CFG = MetricsSettings(batch=50, per_channel=500, lease=600.0)


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=2.0)


@dataclass
class Installation:
    settings: Settings
    announcements: list[Announcement]
    token: str  # an API token of a user who may read everything the API shows


def environment(settings: Settings, keys: tuple[str, ...] | None = None) -> dict[str, str]:
    return {
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_ENCRYPTION_KEYS": ",".join(keys or settings.encryption_keys),
        "HUB_SECRET_KEY": settings.secret_key,
        "LANG": "en_US.UTF-8",
        "LANGUAGE": "",
    }


@pytest.fixture
def hub() -> Callable[..., Result]:
    """``hub(settings, "backup", "--to", folder)``: the real ``hub`` command, in English."""

    def run(
        settings: Settings, *args: str, keys: tuple[str, ...] | None = None, **env: str
    ) -> Result:
        return CliRunner().invoke(main, list(args), env={**environment(settings, keys), **env})

    return run


@pytest.fixture
def filled(app, settings, sandbox, make_user, make_channel, make_media) -> Installation:  # type: ignore[no-untyped-def]
    from hub.auth.scopes import ALL_SCOPES
    from hub.auth.tokens import create_token

    editor, approver = make_user("editor"), make_user("approver")
    moderator = make_user("moderator", "manager", "editor", "admin")
    x, facebook = make_channel("x", name="Stadt Bochum (X)"), make_channel("facebook")
    image = make_media("image", alt_text="Der Rathausplatz am Morgen")
    with_image = approved_announcement(
        editor,
        approver,
        [x.id, facebook.id],
        title="Markt",
        body="Wochenmarkt heute",
        media_ids=[image.id],
    )
    text_only = approved_announcement(editor, approver, [x.id], title="Baustelle", body="Umleitung")
    assert set(publish_due()) == {"published"}
    db.session.expire_all()
    post = next(d for d in with_image.deliveries if d.channel_id == x.id)
    _comment(x.id, post.remote_id)
    for d in with_image.deliveries + text_only.deliveries:
        figures = {"impression_count": 500} if d.channel.network == "x" else {"post_media_view": 80}
        sandbox.set_metrics(d.channel.network, d.remote_id, **figures)
    due = max(d.published_at for d in with_image.deliveries) + timedelta(minutes=15)
    for claim in collect.plan_pass(due, CFG):
        collect.collect_channel(claim, utcnow(), cfg=CFG)
    db.session.commit()
    token = create_token(moderator, "backup test", scopes=ALL_SCOPES)
    db.session.commit()
    return Installation(settings, [with_image, text_only], token)


def _comment(channel_id: int, post_id: str) -> None:
    """Three citizens' comments under our post: one hidden, one we answered (with a note)."""
    from hub.models import Comment, User

    now = utcnow()
    items = [
        RemoteComment(
            remote_id=f"c{n}",
            text=text,
            created_at=now - timedelta(minutes=10 - n),
            author_name=f"Bürgerin {n}",
            author_handle=f"buergerin{n}",
            author_id=str(n),
            post_remote_id=post_id,
            hidden=(n == 2),
        )
        for n, text in ((1, "Wann öffnet der Markt?"), (2, "Spam spam"), (3, "Danke!"))
    ]
    answer = RemoteComment(
        remote_id="r1",
        text="Ab 8 Uhr.",
        created_at=now,
        author_name="Stadt Bochum",
        author_handle="stadtbochum",
        author_id="0",
        post_remote_id=post_id,
        parent_remote_id="c1",
        is_own=True,
    )
    ingest.store_comments(channel_id, [*items, answer])
    db.session.commit()
    first = db.session.query(Comment).filter_by(remote_id="c1").one()
    moderator = db.session.query(User).filter(User.email.like("moderator%")).first()
    operations.add_note(first, moderator, "Marktamt gefragt")
    db.session.commit()


@pytest.fixture
def fresh(tmp_path: Path, database_url: str) -> Iterator[Callable[[str], Settings]]:
    """``fresh(label)``: a new installation, an empty data folder and an empty database of the
    test's kind (SQLite: a file not yet there; PostgreSQL: a new database, dropped after)."""
    if not database_url.startswith("sqlite") and shutil.which("pg_dump") is None:
        service_missing("pg_dump", FileNotFoundError("apt-get install postgresql-client"))
    made: list[str] = []

    def make(label: str) -> Settings:
        folder = tmp_path / label
        if database_url.startswith("sqlite"):
            return make_settings(folder, f"sqlite:///{folder / 'data' / 'hub.db'}")
        name = f"hub_{label}_{run_suffix()}_{os.getpid()}"
        made.append(name)
        return make_settings(folder, _create_pg_database(name))

    yield make
    for name in made:
        drop_pg_database(name)


@pytest.fixture
def empty_target(fresh: Callable[[str], Settings]) -> Settings:
    """The installation a backup is restored into."""
    return fresh("restored")
