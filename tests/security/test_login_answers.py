"""Login answers tell nobody which part was wrong: an unknown e-mail address, a wrong password
and the right password on a locked account all get the same page (ASVS 2.2.1, 3.2.x)."""

from __future__ import annotations

import re

from hub.auth import LOCKOUT_FAILURES
from tests.conftest import PASSWORD, csrf_from

GENERIC = (
    "The e-mail address or the password is wrong, or the account is paused for %(minutes)s "
    "minutes after too many failed logins."
)


def _attempt(client, email: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def _answer(response) -> str:  # type: ignore[no-untyped-def]
    """What the page says about the attempt: its alerts and field errors, without tokens."""
    assert response.status_code == 200
    html = re.sub(r'name="csrf_token"[^>]*>', "", response.text)
    found = re.findall(r'class="(?:alert[^"]*|invalid-feedback)"[^>]*>(.*?)</div>', html, re.S)
    return " | ".join(" ".join(text.split()) for text in found)


def test_locked_account_answers_the_same_to_right_and_wrong_password(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    for _ in range(LOCKOUT_FAILURES):
        _attempt(client, user.email, "falsch falsch")
    wrong = _answer(_attempt(client, user.email, "noch falscher"))
    right = _answer(_attempt(client, user.email, PASSWORD))
    assert wrong and wrong == right


def test_login_does_not_say_whether_the_address_exists(app, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    known = _answer(_attempt(client, user.email, "falsch falsch"))
    unknown = _answer(_attempt(client, "niemand@bochum.example", "falsch falsch"))
    assert known and known == unknown


def test_the_generic_answer_is_hubs_own_in_the_readers_language(app, make_user) -> None:
    from flask_babel import force_locale, gettext

    user = make_user("editor")
    client = app.test_client()
    german = _answer(_attempt(client, user.email, "falsch falsch"))
    page = client.get("/login?lang=en")
    english = _answer(
        client.post(
            "/login?lang=en",
            data={"email": user.email, "password": "x", "csrf_token": csrf_from(page.text)},
        )
    )
    assert english == GENERIC % {"minutes": 15}
    with force_locale("de_DE"):
        assert german == gettext(GENERIC, minutes=15)


def test_deactivated_account_answers_like_a_wrong_password(app, make_user) -> None:
    from hub.extensions import db

    user = make_user("editor")
    user.active = False
    db.session.commit()
    client = app.test_client()
    disabled = _answer(_attempt(client, user.email, PASSWORD))
    wrong = _answer(_attempt(client, "niemand@bochum.example", "falsch falsch"))
    assert disabled and disabled == wrong
