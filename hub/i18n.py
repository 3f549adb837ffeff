"""Languages and time zones: German by default, English complete, times shown in Berlin time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_date_format, get_datetime_format, get_time_format, parse_pattern
from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_babel, get_locale, get_timezone
from flask_login import current_user

LANGUAGES = {"de": "Deutsch", "en": "English"}
# The Babel locale behind each choice. German is "de_DE": Flask-Security ships its German
# catalog only under de_DE, and gettext still finds hub's and Flask-Admin's "de" catalogs from it.
BABEL_LOCALES = {"de": "de_DE", "en": "en"}


def terminal_language(environ: Mapping[str, str]) -> str | None:
    """The language of the person at a terminal (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``,
    ``LANG``, in gettext's order) when hub speaks it, for commands IT staff run; None (the
    office's default) for ``C``, ``POSIX`` or a language hub lacks."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name) or ""
        for choice in value.split(":"):
            language = choice.split("_")[0].split(".")[0].lower()
            if language in LANGUAGES:
                return language
        if value:
            return None
    return None


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
    """``value`` in the office's zone and the reader's language: Flask-Babel's
    ``format_datetime``, with the locale's patterns looked up once, not per value.

    Lists show a time per row (50 on an inbox page); Babel resolves the locale's date, time and
    datetime patterns on every call, which cost more than the rest of the row.
    """
    if value is None:
        return ""
    locale, zone = get_locale(), get_timezone()
    if locale is None or zone is None:  # outside a request: Flask-Babel's own defaults
        return format_datetime(value, fmt)
    pattern = get_babel().instance.date_formats.get(f"datetime.{fmt}")
    return _formatter(locale, zone, fmt, pattern)(value)


@lru_cache(maxsize=64)
def _formatter(
    locale: Locale, zone: tzinfo, fmt: str, pattern: str | None
) -> Callable[[datetime], str]:
    """What ``babel.dates.format_datetime(value, fmt, zone, locale)`` does, with its patterns
    parsed once per locale, zone and format (``pattern``: the app's own for ``fmt``, if any)."""
    # Flask-Babel hands out pytz zones; the same zone from zoneinfo gives the same wall-clock
    # time and names, several times faster (pytz converts in Python, zoneinfo in C).
    name = getattr(zone, "zone", None)
    fast = ZoneInfo(name) if isinstance(name, str) else zone

    def local(value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(fast)

    if pattern is not None or fmt not in ("full", "long", "medium", "short"):
        custom = parse_pattern(pattern or fmt)
        return lambda value: custom.apply(local(value), locale)
    frame = get_datetime_format(fmt, locale=locale).replace("'", "")
    time_pattern = parse_pattern(get_time_format(fmt, locale=locale))
    date_pattern = parse_pattern(get_date_format(fmt, locale=locale))

    @lru_cache(maxsize=512)
    def day(value: date) -> str:  # a list's rows share a few days: each is formatted once
        return date_pattern.apply(value, locale)

    def formatted(value: datetime) -> str:
        moment = local(value)
        time = time_pattern.apply(moment.timetz(), locale, reference_date=moment.date())
        return frame.replace("{0}", time).replace("{1}", day(moment.date()))

    return formatted


def init_i18n(app: Flask) -> None:
    from hub.extensions import babel

    settings = app.config["HUB_SETTINGS"]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", settings.default_locale)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", settings.timezone)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
