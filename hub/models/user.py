"""People who log in, their roles, and the API tokens they hand to other systems."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_security.models import fsqla_v3 as fsqla
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.extensions import db
from hub.models.types import UTCDateTime, utcnow

fsqla.FsModels.set_db_info(db, user_table_name="user", role_table_name="role")


class RoleName(enum.StrEnum):
    editor = "editor"
    approver = "approver"
    moderator = "moderator"
    manager = "manager"
    admin = "admin"


class Role(db.Model, fsqla.FsRoleMixin):  # type: ignore[misc,name-defined]
    __tablename__ = "role"

    def __str__(self) -> str:
        return self.name


class User(db.Model, fsqla.FsUserMixin):  # type: ignore[misc,name-defined]
    __tablename__ = "user"
    # One hub account per person at the city's identity provider (hub.auth.sso).
    __table_args__ = (Index("ix_user_sso_identity", "sso_issuer", "sso_subject", unique=True),)

    full_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(8))
    # Who this person is at the identity provider (the ID token's iss and sub): set at their
    # first single sign-on, never from an e-mail address alone.
    sso_issuer: Mapped[str | None] = mapped_column(String(500))
    sso_subject: Mapped[str | None] = mapped_column(String(255))

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def signs_in_at_provider(self) -> bool:
        """Linked to the city's identity provider: only the provider lets this person in."""
        return self.sso_subject is not None

    def verify_and_update_password(self, password: str) -> bool:
        """No password opens an account linked to the identity provider: a person removed
        there must not keep a way in (a password from the time before the link, or one set
        later by anyone)."""
        if self.signs_in_at_provider:
            return False
        return bool(super().verify_and_update_password(password))

    @property
    def role_names(self) -> set[str]:
        return {role.name for role in self.roles}

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def is_locked(self, form_error: list[str] | None = None) -> bool:
        """Too many wrong passwords lately: refuse even the right one for a while."""
        from flask_babel import gettext

        from hub.auth import LOCKOUT_FAILURES, recent_failures

        locked = recent_failures(self) >= LOCKOUT_FAILURES
        if locked and form_error is not None:
            form_error.append(
                gettext("Too many failed logins. Please wait 15 minutes and try again.")
            )
        return locked

    def check_tf_required(
        self, tf_setup_methods: list[tuple[str, str]], tf_fresh: bool
    ) -> tuple[bool, list[tuple[str, str]]]:
        """A role in HUB_REQUIRE_2FA_ROLES needs a second factor: set up at the login if none."""
        from hub.auth.second_factor import requires_second_factor

        if requires_second_factor(self):
            return True, tf_setup_methods
        return super().check_tf_required(tf_setup_methods, tf_fresh)

    def check_tf_required_setup(self) -> bool:
        from hub.auth.second_factor import requires_second_factor

        return requires_second_factor(self) or super().check_tf_required_setup()

    def __str__(self) -> str:
        return self.display_name


class WebAuthn(db.Model, fsqla.FsWebAuthnMixin):  # type: ignore[misc,name-defined]
    """Passkeys (Flask-Security's WebAuthn table), available for a later second factor."""

    __tablename__ = "webauthn"


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token for the REST API. Only its sha256 is stored; it is shown once.

    It works until ``expires_at`` or ``revoked_at``, and only for its ``scopes`` (space-separated,
    see :mod:`hub.auth.scopes`), which narrow its owner's roles and never widen them.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scopes: Mapped[str] = mapped_column(String(200))

    user: Mapped[User] = relationship(back_populates="tokens")
