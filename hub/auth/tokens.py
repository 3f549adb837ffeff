"""API tokens: shown once at creation, stored as sha256, sent as ``Authorization: Bearer``.

A token works until it expires (``HUB_API_TOKEN_DAYS``, 90 by default, at most a year) or is
revoked, and only for its scopes (:mod:`hub.auth.scopes`). An expired, revoked or unknown token,
or one whose owner was deactivated, is refused alike; only the log says which it was. The command
line (``hub token``) and the admin page (Settings → API tokens) both work through here.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from hub import audit
from hub.auth.scopes import CMS_SCOPES, Scope, from_text, to_text
from hub.extensions import db
from hub.models import ApiToken, User
from hub.models.types import utcnow

log = logging.getLogger(__name__)

PREFIX = "hub_"
MAX_DAYS = 365


class TokenState(enum.StrEnum):
    active = "active"
    expired = "expired"
    revoked = "revoked"


class TokenError(ValueError):
    """A token that cannot be made as asked (no scope, days out of range, unknown id)."""


@dataclass(frozen=True)
class TokenInfo:
    """One token as the list shows it: never its secret, nor its hash."""

    token: ApiToken
    state: TokenState
    scopes: tuple[Scope, ...]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_days() -> int:
    return int(current_app.config["HUB_SETTINGS"].api_token_days)


def create_token(
    user: User,
    name: str = "",
    *,
    scopes: Iterable[Scope] = CMS_SCOPES,
    days: int | None = None,
) -> str:
    """Create a token for ``user`` and return its only readable copy (not audited: see
    :func:`issue_token`). ``days`` defaults to ``HUB_API_TOKEN_DAYS``."""
    chosen = frozenset(Scope(s) for s in scopes)
    if not chosen:
        raise TokenError("a token needs at least one scope")
    days = default_days() if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"a token lives 1 to {MAX_DAYS} days, not {days}")
    plain = PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            name=name,
            prefix=plain[:12],
            token_hash=_digest(plain),
            scopes=to_text(chosen),
            expires_at=utcnow() + timedelta(days=days),
        )
    )
    return plain


def issue_token(
    user: User,
    name: str,
    *,
    scopes: Iterable[Scope] = CMS_SCOPES,
    days: int | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and record ``token.created`` (without the secret); not committed."""
    plain = create_token(user, name, scopes=scopes, days=days)
    db.session.flush()
    token = db.session.scalars(select(ApiToken).where(ApiToken.token_hash == _digest(plain))).one()
    audit.record(
        "token.created",
        token,
        actor=actor,
        owner=user.email,
        name=name,
        prefix=token.prefix,
        scopes=sorted(from_text(token.scopes)),
        expires_at=token.expires_at.isoformat(),
    )
    return token, plain


def state_of(token: ApiToken, now: datetime | None = None) -> TokenState:
    if token.revoked_at is not None:
        return TokenState.revoked
    if token.expires_at <= (now or utcnow()):
        return TokenState.expired
    return TokenState.active


def token_for(plain: str) -> ApiToken | None:
    """The usable token ``plain`` stands for, or None; the reason for a refusal is logged.

    Only looks (the API's login, :func:`hub.auth.api.token_from_bearer`, notes the use)."""
    if not plain.startswith(PREFIX):
        log.info("API token refused: not a hub token")
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None:
        log.info("API token refused: unknown")
        return None
    state = state_of(token)
    if state is not TokenState.active:
        log.info("API token %s (id %s, %s) refused: %s", token.prefix, token.id, token.name, state)
        return None
    if not token.user.active:
        log.info("API token %s (id %s) refused: its owner is deactivated", token.prefix, token.id)
        return None
    return token


def user_for_token(plain: str) -> User | None:
    """The active user a usable token belongs to, or None."""
    token = token_for(plain)
    return token.user if token is not None else None


def scopes_of(token: ApiToken) -> frozenset[Scope]:
    return from_text(token.scopes)


def list_tokens(email: str | None = None) -> list[TokenInfo]:
    """Every token, newest first, or only those of the person with ``email``."""
    query = select(ApiToken).options(joinedload(ApiToken.user)).order_by(ApiToken.id.desc())
    if email:
        query = query.join(ApiToken.user).where(func.lower(User.email) == email.strip().lower())
    now = utcnow()
    return [
        TokenInfo(token, state_of(token, now), tuple(sorted(scopes_of(token))))
        for token in db.session.scalars(query).unique()
    ]


def revoke_token(token_id: int, actor: User | None = None) -> tuple[ApiToken, bool]:
    """Revoke a token for good and record ``token.revoked``; not committed.

    Returns the token and whether this call revoked it (False: it was revoked already, and
    nothing is recorded twice). An expired token can still be revoked, so the list says why it
    stopped.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no API token with id {token_id}")
    if token.revoked_at is not None:
        return token, False
    token.revoked_at = utcnow()
    audit.record(
        "token.revoked",
        token,
        actor=actor,
        owner=token.user.email,
        name=token.name,
        prefix=token.prefix,
    )
    return token, True
