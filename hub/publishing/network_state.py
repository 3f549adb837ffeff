"""Where connectors keep what must outlive one attempt: quota spent and uploads under way.

Connectors know nothing of the database, so they talk to two small protocols:

- :class:`QuotaLedger`: units spent per (network, project, day, bucket). YouTube's daily quota
  belongs to the Google project, not to one channel, so every worker must see the same count.
- :class:`UploadSessions`: a started upload per (network, delivery key): YouTube's resumable
  session URI, Instagram's container id. The next attempt after a crash or a cut connection
  continues it instead of uploading again.

:func:`stores` gives the database-backed ones inside a Flask app context (workers, the web
app) and process-wide in-memory ones elsewhere (a connector used on its own, the benchmark).
The database versions write in their own short transaction on the engine, so they never
commit or roll back the caller's session, which the pipeline holds during a publish.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.models.network_state import QuotaUsage, UploadSession
from hub.models.types import utcnow


@dataclass(frozen=True)
class StoredUpload:
    location: str
    size: int | None = None
    sha256: str | None = None


class UploadSessions(Protocol):
    def get(self, network: str, key: str) -> StoredUpload | None: ...
    def put(self, network: str, key: str, upload: StoredUpload) -> None: ...
    def drop(self, network: str, key: str) -> None: ...


class QuotaLedger(Protocol):
    def used(self, network: str, project: str, day: date, bucket: str) -> int: ...
    def spend(self, network: str, project: str, day: date, bucket: str, units: int) -> int: ...


# ---------------------------------------------------------------------------------------------
# In memory (one process)


class MemoryUploadSessions:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], StoredUpload] = {}

    def get(self, network: str, key: str) -> StoredUpload | None:
        with self._lock:
            return self._items.get((network, key))

    def put(self, network: str, key: str, upload: StoredUpload) -> None:
        with self._lock:
            self._items[(network, key)] = upload

    def drop(self, network: str, key: str) -> None:
        with self._lock:
            self._items.pop((network, key), None)


class MemoryQuotaLedger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._units: dict[tuple[str, str, date, str], int] = {}

    def used(self, network: str, project: str, day: date, bucket: str) -> int:
        with self._lock:
            return self._units.get((network, project, day, bucket), 0)

    def spend(self, network: str, project: str, day: date, bucket: str, units: int) -> int:
        with self._lock:
            key = (network, project, day, bucket)
            self._units[key] = self._units.get(key, 0) + units
            return self._units[key]


# ---------------------------------------------------------------------------------------------
# In the database (every worker)


class DatabaseUploadSessions:
    def __init__(self, engine: object) -> None:
        self.engine = engine

    def get(self, network: str, key: str) -> StoredUpload | None:
        with self.engine.connect() as conn:  # type: ignore[attr-defined]
            row = conn.execute(
                select(UploadSession.location, UploadSession.size, UploadSession.sha256).where(
                    UploadSession.network == network, UploadSession.key == key
                )
            ).first()
        return StoredUpload(row.location, row.size, row.sha256) if row else None

    def put(self, network: str, key: str, upload: StoredUpload) -> None:
        values = {"location": upload.location, "size": upload.size, "sha256": upload.sha256}
        with self.engine.begin() as conn:  # type: ignore[attr-defined]
            changed = conn.execute(
                update(UploadSession)
                .where(UploadSession.network == network, UploadSession.key == key)
                .values(**values)
            ).rowcount
            if not changed:
                conn.execute(
                    insert(UploadSession).values(
                        network=network, key=key, created_at=utcnow(), **values
                    )
                )

    def drop(self, network: str, key: str) -> None:
        with self.engine.begin() as conn:  # type: ignore[attr-defined]
            conn.execute(
                delete(UploadSession).where(
                    UploadSession.network == network, UploadSession.key == key
                )
            )


class DatabaseQuotaLedger:
    def __init__(self, engine: object) -> None:
        self.engine = engine

    def _where(self, network: str, project: str, day: date, bucket: str) -> list[object]:
        return [
            QuotaUsage.network == network,
            QuotaUsage.project == project,
            QuotaUsage.day == day,
            QuotaUsage.bucket == bucket,
        ]

    def used(self, network: str, project: str, day: date, bucket: str) -> int:
        with self.engine.connect() as conn:  # type: ignore[attr-defined]
            units = conn.execute(
                select(QuotaUsage.units).where(*self._where(network, project, day, bucket))
            ).scalar()
        return int(units or 0)

    def spend(self, network: str, project: str, day: date, bucket: str, units: int) -> int:
        where = self._where(network, project, day, bucket)
        for _ in range(3):  # a concurrent first insert of the day: update it instead
            try:
                with self.engine.begin() as conn:  # type: ignore[attr-defined]
                    changed = conn.execute(
                        update(QuotaUsage)
                        .where(*where)
                        .values(units=QuotaUsage.units + units, updated_at=utcnow())
                    ).rowcount
                    if not changed:
                        conn.execute(
                            insert(QuotaUsage).values(
                                network=network,
                                project=project,
                                day=day,
                                bucket=bucket,
                                units=units,
                                updated_at=utcnow(),
                            )
                        )
                break
            except IntegrityError:
                continue
        return self.used(network, project, day, bucket)


MEMORY_LEDGER = MemoryQuotaLedger()
MEMORY_SESSIONS = MemoryUploadSessions()


def stores() -> tuple[QuotaLedger, UploadSessions]:
    """The ledger and the upload sessions: in the database where an app runs, else in memory."""
    from flask import has_app_context

    if has_app_context():
        from hub.extensions import db

        return DatabaseQuotaLedger(db.engine), DatabaseUploadSessions(db.engine)
    return MEMORY_LEDGER, MEMORY_SESSIONS
