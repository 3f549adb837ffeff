"""Passwords: at least 12 characters and hard to guess, wherever one is set — the change-password
page, the admin's people page, ``hub create-user``, the demo and ``create_user`` (ASVS 2.1.1,
2.1.7); a password change ends every other session, copied cookies included (ASVS 3.3.3)."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask_security.utils import verify_password

from hub.auth.passwords import PASSWORD_LENGTH_MIN, WeakPassword, password_problems
from hub.auth.users import create_user
from hub.cli import main
from hub.extensions import db
from hub.models import Role, User
from tests.conftest import PASSWORD, csrf_from, login
from tests.integration.admin.conftest import post_form

TOO_SHORT = "Rathaus 7 x"  # 11 characters, otherwise fine
EASY = "passwort1234"  # 12 characters, but one of the first a guesser tries
STRONG = "Stadtbahn Kemnader See Dezember"
SHORT_EN = "The password needs at least 12 characters."
EASY_EN = "This password is too easy to guess."
EASY_DE = "Dieses Passwort ist zu leicht zu erraten."


def _user(email: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(db.select(User).where(User.email == email))


def _change(client, old: str, new: str):  # type: ignore[no-untyped-def]
    page = client.get("/change")
    return client.post(
        "/change",
        data={
            "password": old,
            "new_password": new,
            "new_password_confirm": new,
            "csrf_token": csrf_from(page.text),
        },
    )


def test_the_rule_is_twelve_characters_and_hard_to_guess(app) -> None:
    assert app.config["SECURITY_PASSWORD_LENGTH_MIN"] == PASSWORD_LENGTH_MIN == 12
    assert app.config["SECURITY_PASSWORD_COMPLEXITY_CHECKER"] == "zxcvbn"
    assert password_problems(TOO_SHORT)[0]
    assert password_problems(EASY)[0]
    assert password_problems("qwertzuiop12")[0]  # a keyboard row
    assert password_problems("Bochum.Presse", email="bochum.presse@bochum.example")[0]
    assert password_problems(STRONG)[0] is None
    assert password_problems(PASSWORD)[0] is None  # the tests' own people


def test_change_password_page_refuses_weak_passwords(app, english, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    short = _change(client, PASSWORD, TOO_SHORT)
    assert short.status_code == 200 and SHORT_EN in short.text
    easy = _change(client, PASSWORD, EASY)
    assert easy.status_code == 200 and EASY_EN in easy.text
    assert "several words" in easy.text  # says what is wanted
    assert verify_password(PASSWORD, _user(user.email).password)
    assert _change(client, PASSWORD, STRONG).status_code == 302
    assert verify_password(STRONG, _user(user.email).password)


def test_the_refusal_speaks_german_by_default(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    login(client, user.email)
    assert EASY_DE in _change(client, PASSWORD, EASY).text
    assert "mindestens 12 Zeichen" in _change(client, PASSWORD, TOO_SHORT).text


def test_a_password_change_ends_copied_sessions(app, make_user) -> None:
    user = make_user("editor")
    laptop = app.test_client()
    login(laptop, user.email)
    uniquifier = user.fs_uniquifier
    copied = laptop.get_cookie("session").value
    assert _change(laptop, PASSWORD, STRONG).status_code == 302
    assert _user(user.email).fs_uniquifier != uniquifier
    assert laptop.get("/admin/").status_code == 200  # the changer stays logged in
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code != 200


def _logged_in(app, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, user.email)
    return client


def _role_id(name: str) -> str:
    return str(db.session.scalar(db.select(Role.id).where(Role.name == name)))


@pytest.mark.parametrize(("password", "message"), [(TOO_SHORT, SHORT_EN), (EASY, EASY_EN)])
def test_admin_cannot_give_a_new_person_a_weak_password(
    app, english, make_user, password: str, message: str
) -> None:
    client = _logged_in(app, make_user("admin"))
    response = post_form(
        client,
        "/admin/users/new/",
        {
            "email": "neu@bochum.example",
            "roles": [_role_id("editor")],
            "active": "y",
            "new_password": password,
        },
    )
    assert message in response.text
    assert _user("neu@bochum.example") is None


def test_admin_cannot_set_a_weak_password(app, english, make_user) -> None:
    person = make_user("editor", name="Eva Editor")
    client = _logged_in(app, make_user("admin"))
    url = f"/admin/users/edit/?id={person.id}"
    fields = {"email": person.email, "roles": [_role_id("editor")], "active": "y"}
    response = post_form(client, url, {**fields, "new_password": EASY})
    assert EASY_EN in response.text
    assert verify_password(PASSWORD, _user(person.email).password)
    assert post_form(client, url, {**fields, "new_password": STRONG}).status_code == 302
    assert verify_password(STRONG, _user(person.email).password)


def _cli(settings, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    env = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url}
    return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def test_create_user_command_refuses_weak_and_generates_strong_passwords(app, settings) -> None:
    args = ("create-user", "presse@bochum.example", "--role", "editor")
    weak = _cli(settings, *args, "--password-stdin", input=f"{EASY}\n")
    assert weak.exit_code != 0 and _user("presse@bochum.example") is None
    generated = _cli(settings, *args)  # no terminal, no --password-stdin: hub makes one up
    assert generated.exit_code == 0, generated.output
    password = re.search(r"Password: (\S+)", generated.output)[1]  # type: ignore[index]
    assert len(password) >= PASSWORD_LENGTH_MIN and password_problems(password)[0] is None
    assert verify_password(password, _user("presse@bochum.example").password)


def test_create_user_refuses_a_weak_password(app) -> None:
    with pytest.raises(WeakPassword):
        create_user("schwach@bochum.example", ["editor"], "x" * 14)
    db.session.rollback()
    assert _user("schwach@bochum.example") is None


def test_demo_passwords_meet_the_rule(app, settings) -> None:
    from hub.demo import CREDENTIALS_FILE, DEMO_USERS, seed

    seed(settings)
    printed = (settings.data_dir / CREDENTIALS_FILE).read_text()
    logins = dict(re.findall(r"^\s+\w+\s+(\S+@\S+)\s+(\S+)$", printed, re.MULTILINE))
    assert set(logins) == {email for email, _ in DEMO_USERS.values()}
    for email, password in logins.items():
        assert password_problems(password, email=email)[0] is None, email
        assert verify_password(password, _user(email).password)
