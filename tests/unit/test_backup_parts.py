"""The parts of ``hub backup`` that need no database: the libpq address pg_dump gets, the
terminal's language, member names that cannot leave the media folder."""

from __future__ import annotations

import pytest

from hub.backup.archive import Damaged, safe_name
from hub.backup.database import libpq_target
from hub.backup.manifest import key_fingerprint
from hub.i18n import terminal_language


def test_the_dialect_url_becomes_a_libpq_uri_with_the_password_kept_out() -> None:
    uri, env = libpq_target("postgresql+psycopg://hub:p%40ss%3Aw%2Frd@db:5432/hub?sslmode=require")
    assert uri == "postgresql://hub@db:5432/hub?sslmode=require"
    assert env == {"PGPASSWORD": "p@ss:w/rd"}
    socket, env = libpq_target("postgresql+psycopg://hub@/hub?host=/var/run/postgresql")
    assert socket == "postgresql://hub@/hub?host=%2Fvar%2Frun%2Fpostgresql" and env == {}


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANGUAGE": "en:de", "LANG": "de_DE.UTF-8"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "en_US.UTF-8"}, None),
        ({"LANG": "fr_FR.UTF-8"}, None),
        ({}, None),
    ],
)
def test_the_terminal_language(environ: dict[str, str], language: str | None) -> None:
    assert terminal_language(environ) == language


@pytest.mark.parametrize("name", ["../secret_key", "/etc/passwd", "ab/../../x", "a\\..\\b", ""])
def test_member_names_stay_inside(name: str) -> None:
    with pytest.raises(Damaged):
        safe_name(name)


def test_a_key_fingerprint_does_not_show_the_key() -> None:
    key = "x" * 43 + "="
    assert key_fingerprint(key) == key_fingerprint(key + "\n")
    assert key[:8] not in key_fingerprint(key) and len(key_fingerprint(key)) == 16
