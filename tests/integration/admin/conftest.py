"""Fixtures for admin tests: a logged-in test client per person, and posting forms with CSRF."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import csrf_from, login
from tests.integration.admin.support import speed_up


@pytest.fixture(autouse=True)
def _fast_admin_app(app: Flask) -> None:
    """Own app context per request, cached templates, cheap hashing (see support.py)."""
    speed_up(app)


@pytest.fixture
def client_for(app: Flask) -> Callable[[Any], FlaskClient]:
    """A new test client, logged in as ``user`` (each person gets their own cookies)."""

    def make(user: Any) -> FlaskClient:
        client = app.test_client()
        login(client, user.email)
        return client

    return make


def save_edit(client: FlaskClient, announcement_id: int, data: dict[str, Any]) -> Any:
    """Save an announcement's edit form as a person does: with the version the form shows."""
    edit = f"/admin/announcements/{announcement_id}/edit"
    version = re.search(r'name="version" type="hidden" value="(\d+)"', client.get(edit).text)
    assert version, "the edit form carries no version"
    saved = post_form(client, edit, {"version": version[1], **data})
    assert saved.status_code == 302, saved.text[:2000]
    return saved


def post_form(
    client: FlaskClient, page_url: str, data: dict[str, Any], *, post_url: str | None = None
) -> Any:
    """Open ``page_url``, take its CSRF token and post ``data`` (multipart) to the form."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": csrf_from(page.text), **data}
    return client.post(post_url or page_url, data=data, content_type="multipart/form-data")


def channel_fields(
    name: str, network: str, external_id: str, credentials: str = "", *, status: str = "active"
) -> dict[str, str]:
    """The channel form as an admin fills it in (``credentials``: the write-only field)."""
    return {
        "name": name,
        "network": network,
        "external_id": external_id,
        "status": status,
        "new_credentials": credentials,
    }


def edit_channel(client: FlaskClient, channel: Any, data: dict[str, Any]) -> Any:
    """Post ``data`` through the edit form of ``channel``."""
    return post_form(client, f"/admin/channels/edit/?id={channel.id}", data)
