"""Logging in with a second factor, as the tests about it need to."""

from __future__ import annotations

from flask import current_app

from tests.conftest import PASSWORD, csrf_from


def give_totp(user) -> None:  # type: ignore[no-untyped-def]
    """Set up an authenticator app for ``user`` (as /tf-setup would) and commit."""
    from hub.extensions import db

    factory = current_app.extensions["security"].totp_factory
    user.tf_primary_method = "authenticator"
    user.tf_totp_secret = factory.generate_totp_secret()
    db.session.commit()


def code_for(user) -> str:  # type: ignore[no-untyped-def]
    return current_app.extensions["security"].totp_factory.generate_totp_password(
        user.tf_totp_secret
    )


def wrong_code(user) -> str:  # type: ignore[no-untyped-def]
    return f"{(int(code_for(user)) + 500_000) % 1_000_000:06d}"


def password_step(client, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def send_code(client, code: str, path: str = "/tf-validate"):  # type: ignore[no-untyped-def]
    page = client.get(path)
    token = csrf_from(page.text) if page.status_code == 200 else ""
    return client.post(path, data={"code": code, "csrf_token": token})


def logged_in(client) -> bool:  # type: ignore[no-untyped-def]
    return client.get("/admin/").status_code == 200


def logged_in_with_totp(app, user):  # type: ignore[no-untyped-def]
    """A client of ``user`` (given an authenticator first) past both login steps."""
    give_totp(user)
    client = app.test_client()
    password_step(client, user.email)
    send_code(client, code_for(user))
    return client
