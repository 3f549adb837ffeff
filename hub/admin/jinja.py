"""Jinja globals the admin templates use: banners, network names, the current language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_babel import get_locale

from hub.admin.banners import hub_banners
from hub.publishing import labels


def network_label(network: str) -> str:
    return labels.NETWORK.get(network, network)


def current_locale() -> str:
    """The chosen language as "de" or "en" (the Babel locale may carry a region)."""
    locale = get_locale()
    return locale.language if locale else ""


def web_link(url: str | None) -> str | None:
    """``url`` for an ``href`` if it is a web address (http or https); None for anything a
    browser would run or hand elsewhere (``javascript:``, ``data:``). A post's link comes from
    the network's answer, so the page never trusts it blindly."""
    if not url or any(ch <= " " or ch == "\x7f" for ch in url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def register_template_globals(app: Flask) -> None:
    app.jinja_env.globals.update(
        hub_banners=hub_banners,
        network_label=network_label,
        current_locale=current_locale,
        web_link=web_link,
    )
