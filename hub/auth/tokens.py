"""API tokens: shown once at creation, stored as sha256, sent as ``Authorization: Bearer``."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from hub.extensions import db
from hub.models import ApiToken, User
from hub.models.types import utcnow

PREFIX = "hub_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> str:
    """Create a token for ``user`` and return its only readable copy."""
    plain = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name, prefix=plain[:12], token_hash=_digest(plain)))
    return plain


def user_for_token(plain: str) -> User | None:
    """The active user a token belongs to, or None (unknown, revoked, or user disabled)."""
    if not plain.startswith(PREFIX):
        return None
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _digest(plain), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    token.last_used_at = utcnow()
    return token.user
