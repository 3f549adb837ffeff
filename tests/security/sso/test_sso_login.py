"""Single sign-on against the real provider, with hub's test client in the browser's place on
hub's side and ``requests`` on the provider's: who gets in, with which roles, and who not."""

from __future__ import annotations

from dataclasses import replace

import requests
from flask import Flask
from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEvent, User
from tests.conftest import csrf_from, login
from tests.security.sso.conftest import CityIdP, callback_path, idp_login, sso_login
from tests.security.support import logged_in, password_step


def _user(email: str) -> User | None:
    db.session.rollback()  # the requests committed in their own sessions
    return db.session.scalar(select(User).where(User.email == email))


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _flashed(client, english_text: str) -> bool:  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return english_text in page.text


def test_first_login_creates_the_person_with_the_roles_of_their_groups(
    english, app: Flask, city_idp: CityIdP
) -> None:
    person = city_idp.put("anna", "presse-leitung", "kantine", name="Anna Schmidt")
    client = app.test_client()

    answer = sso_login(client, "anna")

    assert answer.status_code == 302 and answer.headers["Location"] == "/admin/"
    assert logged_in(client)
    user = _user("anna@bochum.example")
    assert user is not None and user.full_name == "Anna Schmidt"
    assert user.role_names == {"editor", "approver"}
    assert (user.sso_issuer, user.sso_subject) == (city_idp.issuer, person["sub"])
    assert user.password is None  # no hub password: only the provider lets them in
    (created,) = _events("user.created")
    assert created.object_id == user.id and created.details["via"] == "sso"
    assert [e.details["via"] for e in _events("login")] == [["sso"]]


def test_roles_follow_the_provider_at_every_login(english, app: Flask, city_idp: CityIdP) -> None:
    city_idp.put("anna", "presse-redaktion")
    sso_login(app.test_client(), "anna")
    assert _user("anna@bochum.example").role_names == {"editor"}

    city_idp.put("anna", "presse-freigabe", "it-admins")
    client = app.test_client()
    sso_login(client, "anna")

    assert logged_in(client)
    user = _user("anna@bochum.example")
    assert user.role_names == {"approver", "admin"}
    (changed,) = [e for e in _events("user.roles_changed") if e.details["before"]]
    assert changed.details == {
        "before": ["editor"],
        "after": ["admin", "approver"],
        "via": "sso",
    }
    assert len(_events("user.created")) == 1  # the same account, found by iss and sub


def test_a_person_removed_at_the_provider_cannot_log_in(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion")
    idp_browser = requests.Session()  # keeps Anna's login session at the provider
    assert sso_login(app.test_client(), "anna", browser=idp_browser).status_code == 302

    city_idp.remove("anna")

    # A fresh login: the provider's own login page refuses her.
    client = app.test_client()
    refused = idp_login(client.get("/login/sso").headers["Location"], "anna")
    assert refused.status_code == 200 and "Invalid username or password" in refused.text
    # Her old session at the provider does not help: she must log in again, and cannot.
    refused = idp_login(client.get("/login/sso").headers["Location"], "anna", browser=idp_browser)
    assert refused.status_code == 200 and "Invalid username or password" in refused.text
    assert not logged_in(client)


def test_a_code_the_provider_no_longer_redeems_is_refused(
    english, app: Flask, city_idp: CityIdP
) -> None:
    """Removed between the provider's login and hub's callback: the provider refuses the code
    (invalid_grant), and hub says the login did not work."""
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    callback = callback_path(idp_login(client.get("/login/sso").headers["Location"], "anna"))
    city_idp.remove("anna")

    answer = client.get(callback)

    assert answer.headers["Location"] == "/login"
    assert _flashed(client, "The login with the city&#39;s account did not work")
    assert not logged_in(client)
    assert _user("anna@bochum.example") is None


def test_groups_that_give_no_role_are_refused_with_a_message(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("bernd", "kantine")
    client = app.test_client()

    answer = sso_login(client, "bernd")

    assert answer.headers["Location"] == "/login"
    assert _flashed(client, "Your city account has no role in hub")
    assert not logged_in(client)
    assert _user("bernd@bochum.example") is None  # nobody is created for nothing


def test_roles_taken_away_at_the_provider_are_taken_away_in_hub(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion")
    earlier = app.test_client()
    sso_login(earlier, "anna")
    assert logged_in(earlier)

    city_idp.put("anna", "kantine")
    client = app.test_client()
    sso_login(client, "anna")

    assert not logged_in(client)
    assert _user("anna@bochum.example").role_names == set()
    # Her earlier session has no role left either: every page asks for one.
    assert earlier.get("/admin/announcements/").status_code in (302, 403)
    (refusal,) = _events("login.sso_refused")
    assert refusal.details == {"reason": "no role"}


def test_an_account_switched_off_in_hub_is_refused(english, app: Flask, city_idp: CityIdP) -> None:
    city_idp.put("anna", "presse-redaktion")
    sso_login(app.test_client(), "anna")
    user = _user("anna@bochum.example")
    user.active = False
    db.session.commit()

    client = app.test_client()
    answer = sso_login(client, "anna")

    assert answer.headers["Location"] == "/login"
    assert _flashed(client, "Your hub account is switched off")
    assert not logged_in(client)
    assert _events("login.sso_refused")[0].details == {"reason": "deactivated"}


def test_local_accounts_keep_their_password_login(
    english, app: Flask, city_idp: CityIdP, make_user
) -> None:
    editor = make_user("editor")
    client = app.test_client()

    login(client, editor.email)

    assert logged_in(client)


def test_the_login_page_offers_the_citys_account_in_german(app: Flask, city_idp: CityIdP) -> None:
    page = app.test_client().get("/login?next=/admin/announcements/")

    assert 'id="sso-login"' in page.text
    assert 'href="/login/sso?next=/admin/announcements/"' in page.text
    assert "Mit dem Konto der Stadt anmelden" in page.text


def test_the_login_ends_where_it_was_asked_for_and_only_on_hub(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion")

    answer = sso_login(app.test_client(), "anna", start="/login/sso?next=/admin/announcements/")
    assert answer.headers["Location"] == "/admin/announcements/"

    answer = sso_login(app.test_client(), "anna", start="/login/sso?next=//evil.example/")
    assert answer.headers["Location"] == "/admin/"


def test_single_sign_on_is_not_asked_for_hubs_second_factor(
    english, app: Flask, city_idp: CityIdP, make_user
) -> None:
    settings = app.config["HUB_SETTINGS"]
    app.config["HUB_SETTINGS"] = replace(settings, require_2fa_roles=("approver",))
    city_idp.put("anna", "presse-freigabe")
    client = app.test_client()

    sso_login(client, "anna")

    assert client.get("/admin/").status_code == 200  # not sent to /tf-setup
    # A password login of someone with the same role still must set up the app.
    approver = make_user("approver")
    answer = password_step(app.test_client(), approver.email)
    assert "/tf-setup" in answer.headers["Location"]


def test_logging_out_ends_the_single_sign_on_session(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    sso_login(client, "anna")
    copied = app.test_client()
    copied.set_cookie("session", client.get_cookie("session").value)
    assert logged_in(copied)

    client.post("/logout", data={"csrf_token": _csrf(client)})

    assert not logged_in(client)
    assert not logged_in(copied)  # hub's logout ends every session (a new fs_uniquifier)


def test_a_callback_from_another_browser_is_refused(english, app: Flask, city_idp: CityIdP) -> None:
    """Login CSRF: a code and state made for someone else's browser log nobody in here."""
    city_idp.put("mallory", "it-admins")
    attacker = app.test_client()
    callback = callback_path(idp_login(attacker.get("/login/sso").headers["Location"], "mallory"))
    victim = app.test_client()
    victim.get("/login/sso")  # even with a login of their own under way

    answer = victim.get(callback)

    assert answer.headers["Location"] == "/login"
    assert not logged_in(victim)
    assert _user("mallory@bochum.example") is None


def test_a_callback_is_good_once(english, app: Flask, city_idp: CityIdP) -> None:
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    callback = callback_path(idp_login(client.get("/login/sso").headers["Location"], "anna"))
    assert client.get(callback).headers["Location"] == "/admin/"
    client.post("/logout", data={"csrf_token": _csrf(client)})

    replayed = client.get(callback)

    assert replayed.headers["Location"] == "/login"
    assert not logged_in(client)


def test_a_code_from_another_login_is_refused(english, app: Flask, city_idp: CityIdP) -> None:
    """The code is bound to the PKCE challenge (and nonce) of the login that asked for it: put
    into another login's callback of the same browser, the provider does not redeem it."""
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    first = client.get("/login/sso").headers["Location"]
    second = client.get("/login/sso").headers["Location"]
    code_of_first = callback_path(idp_login(first, "anna"))
    state_of_second = dict(p.split("=", 1) for p in second.split("?", 1)[1].split("&"))["state"]
    query = dict(p.split("=", 1) for p in code_of_first.split("?", 1)[1].split("&"))

    answer = client.get(f"/login/sso/callback?code={query['code']}&state={state_of_second}")

    assert answer.headers["Location"] == "/login"
    assert not logged_in(client)


def test_a_changed_code_is_refused(english, app: Flask, city_idp: CityIdP) -> None:
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    callback = callback_path(idp_login(client.get("/login/sso").headers["Location"], "anna"))

    answer = client.get(callback.replace("code=", "code=x"))

    assert answer.headers["Location"] == "/login"
    assert not logged_in(client)


def test_cancelling_at_the_provider_says_so(english, app: Flask, city_idp: CityIdP) -> None:
    client = app.test_client()
    client.get("/login/sso")

    answer = client.get("/login/sso/callback?error=access_denied&state=x")

    assert answer.headers["Location"] == "/login"
    assert _flashed(client, "The login with the city&#39;s account was cancelled.")


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_from(client.get("/admin/").text)


def test_a_password_login_after_single_sign_on_in_the_same_browser_is_a_password_login(
    english, app: Flask, city_idp: CityIdP, make_user
) -> None:
    """Skipping hub's second factor belongs to the single sign-on session only: the next
    login in the same browser, by password, is held to the rule again."""
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    sso_login(client, "anna")
    client.post("/logout", data={"csrf_token": _csrf(client)})
    bob = make_user("editor")
    login(client, bob.email)
    assert client.get("/admin/").status_code == 200

    # Bob becomes an approver during his session; approvers must use a second factor.
    app.config["HUB_SETTINGS"] = replace(
        app.config["HUB_SETTINGS"], require_2fa_roles=("approver",)
    )
    from hub.auth import user_datastore

    user_datastore.add_role_to_user(_user(bob.email), "approver")
    db.session.commit()

    answer = client.get("/admin/")
    assert answer.status_code == 302 and "/tf-setup" in answer.headers["Location"]


def test_a_provider_whose_discovery_names_another_issuer_is_not_trusted(
    english, app: Flask, tmp_path, database_url: str, city_idp: CityIdP
) -> None:
    """OpenID Connect Discovery 4.3: the document must name the issuer hub was configured
    with (here hub is told "localhost", the provider calls itself 127.0.0.1)."""
    from hub import create_app
    from tests.integration.admin.support import speed_up
    from tests.security.sso.conftest import sso_settings

    settings = sso_settings(tmp_path / "other", database_url, city_idp)
    settings = replace(settings, oidc_issuer=city_idp.issuer.replace("127.0.0.1", "localhost"))
    other = create_app(settings, {"TESTING": True, "RATELIMIT_ENABLED": False})
    speed_up(other)
    city_idp.put("anna", "presse-redaktion")
    client = other.test_client()

    answer = client.get("/login/sso")

    assert answer.headers["Location"] == "/login"
    assert not logged_in(client)


def test_an_account_made_by_single_sign_on_has_no_password_login(
    english, app: Flask, city_idp: CityIdP
) -> None:
    city_idp.put("anna", "presse-redaktion")
    sso_login(app.test_client(), "anna")
    client = app.test_client()

    answer = password_step(client, "anna@bochum.example", password="")
    assert answer.status_code == 200  # the form again, with hub's one answer for every refusal
    answer = password_step(client, "anna@bochum.example", password="None")

    assert answer.status_code == 200
    assert not logged_in(client)


def test_a_linked_account_cannot_gain_a_password_that_outlives_the_provider(
    english, app: Flask, city_idp: CityIdP
) -> None:
    """Flask-Security lets an account without a password set one on /change; for a person the
    provider lets in, that password would still open hub after the provider removed them. An
    account linked to the provider logs in there only: no password is set, none is accepted."""
    city_idp.put("anna", "presse-redaktion")
    client = app.test_client()
    sso_login(client, "anna")
    strong = "Stadtwerke-Kanal-Lautsprecher-2026"
    client.post(
        "/change",
        data={
            "new_password": strong,
            "new_password_confirm": strong,
            "csrf_token": _csrf(client),
        },
    )
    assert _user("anna@bochum.example").password is None

    # Even a password set another way (an old local account, an admin) opens nothing.
    from flask_security.utils import hash_password

    user = _user("anna@bochum.example")
    user.password = hash_password(strong)
    db.session.commit()
    city_idp.remove("anna")
    other = app.test_client()
    password_step(other, "anna@bochum.example", password=strong)
    assert not logged_in(other)
