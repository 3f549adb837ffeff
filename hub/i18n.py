"""Languages and time zones: German by default, English complete, times shown in Berlin time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime
from flask_login import current_user

LANGUAGES = {"de": "Deutsch", "en": "English"}
# The Babel locale behind each choice. German is "de_DE": Flask-Security ships its German
# catalog only under de_DE, and gettext still finds hub's and Flask-Admin's "de" catalogs from it.
BABEL_LOCALES = {"de": "de_DE", "en": "en"}


def select_locale() -> str:
    return BABEL_LOCALES.get(chosen_language(), chosen_language())


def chosen_language() -> str:
    """The language ("de" or "en") for this request: asked for, chosen, or the default."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        # API clients have no session and no profile page: they say it with Accept-Language.
        best = request.accept_languages.best_match(list(LANGUAGES))
        return best or current_app.config["BABEL_DEFAULT_LOCALE"]
    if "lang" in request.args and request.args["lang"] in LANGUAGES:
        return request.args["lang"]
    chosen = session.get("locale")
    if chosen in LANGUAGES:
        return chosen
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in LANGUAGES:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def to_local(value: datetime | None) -> datetime | None:
    """An aware UTC time as wall-clock time in the office's zone (Europe/Berlin)."""
    return None if value is None else value.astimezone(local_zone())


def from_local(value: datetime) -> datetime:
    """A naive wall-clock time typed into a form (Berlin) as aware UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(UTC)


def format_local(value: datetime | None, fmt: str = "medium") -> str:
    return "" if value is None else format_datetime(value, fmt)


def init_i18n(app: Flask) -> None:
    from hub.extensions import babel

    settings = app.config["HUB_SETTINGS"]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", settings.default_locale)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", settings.timezone)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
