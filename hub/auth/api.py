"""Bearer-token authentication for ``/api/``; the browser session is never accepted there."""

from __future__ import annotations

from flask import Request

from hub.auth.tokens import user_for_token
from hub.models import User


def load_user_from_bearer(req: Request) -> User | None:
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())
