"""``hub backup`` and ``hub restore``: one tar file with the database (a dump of one consistent
moment), the uploaded media and a manifest of checksums and row counts; restored into an empty
installation, checked before anything is touched, and upgraded to this release's schema.

The keys (``HUB_SECRET_KEY``, ``HUB_ENCRYPTION_KEYS``) are never in a backup: only their
fingerprints, so a restore can say whether the channel logins will still decrypt.
"""

from __future__ import annotations

from flask_babel import gettext as _


class BackupError(Exception):
    """Backing up or restoring stopped; ``message`` is for the IT staff running the command
    (translated), ``detail`` for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message, self.detail = message, detail


def tool_missing(tool: str) -> BackupError:
    return BackupError(
        _(
            "%(tool)s is not installed; it comes with PostgreSQL's client programs "
            "(Debian: apt-get install postgresql-client).",
            tool=tool,
        )
    )


def unreachable(detail: str) -> BackupError:
    return BackupError(
        _("The database (HUB_DATABASE_URL) cannot be reached; the log says why."), detail
    )
