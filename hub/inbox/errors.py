"""The one error the inbox raises towards people: a message they understand, and a code."""

from __future__ import annotations


class InboxError(Exception):
    """Refused for a reason the moderator can read (``message``, translated); ``code`` is for
    the API: ``not_found``, ``not_available``, ``invalid``, ``conflict``."""

    def __init__(self, message: str, code: str = "invalid", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
