"""The manifest of a backup file: what it holds, each member's size and SHA-256, the row counts
to check a restore against, and fingerprints (never the values) of the encryption keys."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

FORMAT = 1  # raised when the layout changes; a restore refuses formats it does not know
NAME = "manifest.json"
MEDIA_PREFIX = "media/"
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


@dataclass(frozen=True)
class Member:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    created_at: str  # ISO 8601, UTC
    dialect: str  # "postgresql" or "sqlite"
    alembic_revision: str | None
    rows: dict[str, int]  # every table of the database at the moment of the dump
    members: dict[str, Member]  # every file in the backup but the manifest
    key_fingerprints: list[str]  # of HUB_ENCRYPTION_KEYS, in order (the first encrypts)
    # Uploads the database names but the media folder lacked when the backup was taken.
    missing_media: list[str] = field(default_factory=list)
    hub_version: str = field(default_factory=lambda: hub_version())
    format: int = FORMAT

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBER[self.dialect]

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=2, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        data: dict[str, Any] = json.loads(raw)
        members = {name: Member(**m) for name, m in data.pop("members").items()}
        return cls(members=members, **data)


def hub_version() -> str:
    try:
        return version("hub")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def key_fingerprint(key: str) -> str:
    """Says whether two installations share a key without saying the key: a Fernet key holds
    256 random bits, so its (domain-separated) hash reveals nothing usable."""
    return hashlib.sha256(b"hub backup key fingerprint\0" + key.strip().encode()).hexdigest()[:16]
