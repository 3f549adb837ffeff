"""Bearer-token authentication for ``/api/``; the browser session is never accepted there."""

from __future__ import annotations

from flask import Request

from hub.auth.tokens import token_for
from hub.models import ApiToken, User
from hub.models.types import utcnow


def token_from_bearer(req: Request) -> ApiToken | None:
    """The usable API token in ``Authorization: Bearer``, or None (missing, unknown, expired,
    revoked, or its owner deactivated). A token found is noted as used (``last_used_at``)."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    found = token_for(token.strip())
    if found is not None:
        found.last_used_at = utcnow()
    return found


def load_user_from_bearer(req: Request) -> User | None:
    token = token_from_bearer(req)
    return token.user if token is not None else None
