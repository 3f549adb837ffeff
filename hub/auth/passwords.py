"""What a password must be (ASVS 2.1.1, 2.1.7): at least 12 characters and hard to guess.

Flask-Security-Too checks both, wherever a password is set: its change-password page, and
through :func:`password_problems` the admin's people page, ``hub create-user``, the demo and
every ``create_user``. The length is ``SECURITY_PASSWORD_LENGTH_MIN``; "hard to guess" is
zxcvbn's estimate (``SECURITY_PASSWORD_COMPLEXITY_CHECKER``, score 3 of 4: common passwords,
keyboard rows, repeats, dates and the person's own name or address are refused, several
unrelated words pass). zxcvbn's own feedback is English only, so :class:`HubPasswordUtil`
answers with hub's translated sentences saying what is wanted instead.

Not checked: whether the password appears in a list of breached passwords
(``SECURITY_PASSWORD_CHECK_BREACHED``); it would ask haveibeenpwned.com over the internet with
every new password, which a city's internal server may not reach.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_security import PasswordUtil

PASSWORD_LENGTH_MIN = 12
PASSWORD_LENGTH_MAX = 128  # Flask-Security's own upper bound (argon2 would take more)


class WeakPassword(ValueError):
    """A password that does not meet the rule; ``problems`` are sentences for the person."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


class HubPasswordUtil(PasswordUtil):
    """Flask-Security's checks, answered in hub's words (translated, saying what is wanted)."""

    def validate(
        self, password: str, is_register: bool, **kwargs: Any
    ) -> tuple[list[str] | None, str]:
        problems, normalized = super().validate(password, is_register, **kwargs)
        if not problems:
            return None, normalized
        if len(normalized) > PASSWORD_LENGTH_MAX:
            return [_("The password may have at most %(n)s characters.", n=PASSWORD_LENGTH_MAX)], (
                normalized
            )
        if len(normalized) < PASSWORD_LENGTH_MIN:
            return [_("The password needs at least %(n)s characters.", n=PASSWORD_LENGTH_MIN)], (
                normalized
            )
        return [
            _(
                "This password is too easy to guess. Choose something less common, for example "
                "several words that do not belong together."
            )
        ], normalized


def configure_passwords(app: Flask) -> None:
    """The rule, as Flask-Security settings (before ``security.init_app``)."""
    app.config.setdefault("SECURITY_PASSWORD_LENGTH_MIN", PASSWORD_LENGTH_MIN)
    app.config.setdefault("SECURITY_PASSWORD_COMPLEXITY_CHECKER", "zxcvbn")
    app.config.setdefault("SECURITY_PASSWORD_CHECK_BREACHED", False)  # no internet, see above


def password_problems(
    password: str, *, email: str = "", full_name: str | None = None
) -> tuple[list[str] | None, str]:
    """What is wrong with ``password`` for this person (None: nothing), and the password as
    Flask-Security stores and compares it (Unicode-normalized)."""
    from hub.extensions import security

    hints = {f"hint{i}": word for i, word in enumerate(personal_words(email, full_name))}
    return security.password_util.validate(password, True, **hints)


def personal_words(email: str, full_name: str | None) -> list[str]:
    """The person's address and name, whole and in pieces: zxcvbn matches each as one word, so
    "Bochum.Presse" is easy to guess for bochum.presse@bochum.example only when the pieces are
    listed too."""
    local, _at, domain = email.lower().partition("@")
    pieces = [email, local, *re.split(r"[._+-]", local), *domain.split(".")]
    if full_name:
        pieces += [full_name, *full_name.lower().split()]
    return [p for p in dict.fromkeys(pieces) if len(p) > 2]


def checked_password(password: str, *, email: str = "", full_name: str | None = None) -> str:
    """The normalized password, or :class:`WeakPassword` when it does not meet the rule."""
    problems, normalized = password_problems(password, email=email, full_name=full_name)
    if problems:
        raise WeakPassword(problems)
    return normalized


def generate_password() -> str:
    """A random password that meets the rule (16 characters; zxcvbn could, very rarely, see a
    word or a pattern in one, so it draws again)."""
    while True:
        password = secrets.token_urlsafe(12)
        if password_problems(password)[0] is None:
            return password
