"""Single sign-on and hub's existing accounts (taken over only for a verified address), and the
settings around it: claims in the ID token (as from Entra ID), a demanded second factor, a
provider that cannot be reached, single sign-on switched off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from hub import create_app
from hub.extensions import db
from hub.models import AuditEvent, User
from tests.conftest import make_settings
from tests.integration.admin.support import speed_up
from tests.security.sso.conftest import CityIdP, sso_login, sso_settings, start_idp, stop
from tests.security.support import logged_in, password_step
from tests.support import free_port


def _user(email: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(select(User).where(User.email == email))


def _app(settings) -> Flask:  # type: ignore[no-untyped-def]
    """Another office, in English like the test's own (the ``english`` fixture)."""
    app = create_app(
        settings, {"TESTING": True, "RATELIMIT_ENABLED": False, "BABEL_DEFAULT_LOCALE": "en"}
    )
    speed_up(app)
    return app


def test_an_existing_account_is_taken_over_for_a_verified_address(
    english, app: Flask, city_idp: CityIdP, make_user
) -> None:
    local = make_user("moderator", email="anna@bochum.example")
    person = city_idp.put("anna", "presse-redaktion", email="Anna@Bochum.example")
    client = app.test_client()

    sso_login(client, "anna")

    assert logged_in(client)
    user = _user("anna@bochum.example")
    assert user.id == local.id
    assert user.sso_subject == person["sub"]
    assert user.role_names == {"editor"}  # the provider's groups, not the roles from before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sso_linked"))
    # Her hub password is gone: from now on the provider alone lets her in (removed there,
    # she must not keep a way in). Emergencies use local accounts the provider does not know.
    assert user.password is None
    password_client = app.test_client()
    password_step(password_client, local.email)
    assert not logged_in(password_client)


def test_an_unverified_address_never_reaches_an_existing_account(
    english, app: Flask, city_idp: CityIdP, make_user
) -> None:
    admin = make_user("admin", email="chef@bochum.example")
    city_idp.put("mallory", "presse-redaktion", email="chef@bochum.example", email_verified=False)
    client = app.test_client()

    answer = sso_login(client, "mallory")

    assert answer.headers["Location"] == "/login"
    assert "There is already a hub account with your e-mail address" in client.get("/login").text
    assert not logged_in(client)
    user = _user(admin.email)
    assert user.sso_subject is None and user.role_names == {"admin"}


def test_an_account_linked_to_one_person_is_not_taken_by_another(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion", email="presse@bochum.example")
    sso_login(app.test_client(), "anna")
    city_idp.put("mallory", "it-admins", email="presse@bochum.example")
    client = app.test_client()

    sso_login(client, "mallory")

    assert not logged_in(client)
    assert _user("presse@bochum.example").role_names == {"editor"}


@pytest.fixture
def entra_like_idp(tmp_path: Path, hub_url: str) -> Iterator[CityIdP]:
    """A provider that puts the groups and the address into the ID token (as Entra ID does)."""
    idp, process = start_idp(tmp_path / "entra", hub_url, claims_in_id_token=True)
    try:
        yield idp
    finally:
        stop(process)


def test_claims_in_the_id_token_are_read_from_there(
    english, app: Flask, tmp_path: Path, database_url: str, entra_like_idp: CityIdP
) -> None:
    entra_like_idp.put("anna", "presse-freigabe")
    entra = _app(sso_settings(tmp_path / "entra-app", database_url, entra_like_idp))
    client = entra.test_client()

    sso_login(client, "anna")

    assert logged_in(client)
    user = _user("anna@bochum.example")
    assert user.role_names == {"approver"} and user.sso_issuer == entra_like_idp.issuer


def test_a_demanded_second_factor_must_show_in_the_id_token(
    english, app: Flask, tmp_path: Path, database_url: str, city_idp: CityIdP
) -> None:
    strict = _app(
        sso_settings(tmp_path / "strict", database_url, city_idp, oidc_mfa_values=("mfa",))
    )
    city_idp.put("anna", "presse-redaktion", amr=["pwd"])
    client = strict.test_client()

    sso_login(client, "anna")

    assert not logged_in(client)
    assert "with a second factor" in client.get("/login").text

    city_idp.put("bernd", "presse-redaktion", amr=["pwd", "otp", "mfa"])
    client = strict.test_client()
    sso_login(client, "bernd")
    assert logged_in(client)


def test_a_provider_that_cannot_be_reached_leaves_the_password_login(
    english, app: Flask, tmp_path: Path, database_url: str
) -> None:
    settings = make_settings(
        tmp_path / "down",
        database_url,
        oidc_issuer=f"http://127.0.0.1:{free_port()}",  # nothing listens there
        oidc_client_id="hub",
        oidc_client_secret="secret",
    )
    client = _app(settings).test_client()

    answer = client.get("/login/sso")

    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert "The city&#39;s login cannot be reached right now" in client.get("/login").text


def test_without_an_issuer_there_is_no_single_sign_on(
    app: Flask, tmp_path: Path, database_url: str
) -> None:
    client = _app(make_settings(tmp_path / "off", database_url)).test_client()

    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404
    assert 'id="sso-login"' not in client.get("/login").text


def test_a_role_map_naming_an_unknown_role_stops_the_start(
    app: Flask, tmp_path: Path, database_url: str, city_idp: CityIdP
) -> None:
    settings = sso_settings(
        tmp_path / "typo", database_url, city_idp, oidc_role_map=(("presse", "editr"),)
    )
    with pytest.raises(ValueError, match="unknown roles: editr"):
        create_app(settings)
