"""Errors the compose and review operations raise; every message is for the press officer."""

from __future__ import annotations


class PublishingError(Exception):
    """Base: ``message`` is shown to the user as it is."""

    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(PublishingError):
    """Input that cannot be saved; ``fields`` maps each field to its messages."""

    code = "validation_failed"

    def __init__(self, fields: dict[str, list[str]], message: str | None = None) -> None:
        from flask_babel import gettext as _

        super().__init__(message or _("Please correct the marked fields."))
        self.fields = fields


class StaleEdit(PublishingError):
    """Somebody else saved the announcement after this editor opened it."""

    code = "stale_edit"


class NotAllowed(PublishingError):
    """The step is not open to this person or in this state."""

    code = "not_allowed"


class WrongState(PublishingError):
    code = "wrong_state"


class Conflict(PublishingError):
    """The thing exists already (a channel connected twice)."""

    code = "conflict"
