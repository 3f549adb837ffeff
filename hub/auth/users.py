"""Creating people and keeping the role table in step with the permission matrix."""

from __future__ import annotations

from collections.abc import Iterable

from flask_security.utils import hash_password
from sqlalchemy import func, select

from hub import audit
from hub.auth.passwords import checked_password
from hub.auth.permissions import ROLE_DESCRIPTIONS, permissions_of
from hub.extensions import db
from hub.models import Role, RoleName, User


def sync_roles() -> None:
    """Create the five roles and give each exactly the permissions the matrix lists."""
    for name in RoleName:
        role = db.session.scalar(select(Role).where(Role.name == name.value))
        if role is None:
            role = Role(name=name.value)
            db.session.add(role)
        role.description = ROLE_DESCRIPTIONS[name]
        role.permissions = permissions_of(name)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str,
    roles: Iterable[str],
    password: str,
    *,
    full_name: str | None = None,
    actor: User | None = None,
) -> User:
    """A new person with ``roles``; :class:`hub.auth.passwords.WeakPassword` when ``password``
    does not meet the rule (every way of creating someone comes here, so none skips it)."""
    from hub.auth import user_datastore

    email = email.strip().lower()
    password = checked_password(password, email=email, full_name=full_name)
    role_rows = [db.session.scalar(select(Role).where(Role.name == r)) for r in roles]
    if any(r is None for r in role_rows):
        raise ValueError(f"unknown role in {list(roles)}; run 'hub init' first")
    user = user_datastore.create_user(
        email=email,
        password=hash_password(password),
        roles=role_rows,
        full_name=full_name,
    )
    db.session.flush()
    audit.record("user.created", user, actor=actor, roles=sorted(r.name for r in role_rows))
    return user
