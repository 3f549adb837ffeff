"""Jinja globals the admin templates use: banners, network names, the current language."""

from __future__ import annotations

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


def register_template_globals(app: Flask) -> None:
    app.jinja_env.globals.update(
        hub_banners=hub_banners,
        network_label=network_label,
        current_locale=current_locale,
    )
