"""The second factor cannot be guessed: few codes per login, few per account, a limit per
address, and a code that was used once is refused (ASVS 2.8.4, 2.2.1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from hub import create_app
from hub.auth import LOCKOUT_FAILURES, TF_MAX_FAILURES, TF_RATE
from tests.conftest import csrf_from, make_settings
from tests.integration.admin.support import speed_up
from tests.security.support import (
    code_for,
    give_totp,
    logged_in,
    password_step,
    send_code,
    wrong_code,
)


@pytest.fixture
def totp_user(make_user):  # type: ignore[no-untyped-def]
    user = make_user("editor")
    give_totp(user)
    return user


def test_password_alone_does_not_log_in(app, totp_user) -> None:
    client = app.test_client()
    step = password_step(client, totp_user.email)
    assert step.status_code == 302 and "/tf-validate" in step.headers["Location"]
    assert not logged_in(client)
    assert send_code(client, code_for(totp_user)).status_code == 302
    assert logged_in(client)


def test_too_many_wrong_codes_send_back_to_the_login(app, totp_user) -> None:
    client = app.test_client()
    password_step(client, totp_user.email)
    answers = [send_code(client, wrong_code(totp_user)) for _ in range(TF_MAX_FAILURES)]
    assert all(a.status_code == 200 for a in answers[:-1])
    assert answers[-1].status_code == 302 and "/login" in answers[-1].headers["Location"]
    # The two-factor step is gone from the session: even the right code does not log in now.
    send_code(client, code_for(totp_user))
    assert not logged_in(client)


def test_an_old_session_cookie_does_not_bring_back_the_guesses(app, totp_user) -> None:
    client = app.test_client()
    password_step(client, totp_user.email)
    saved = client.get_cookie("session").value
    token = csrf_from(client.get("/tf-validate").text)
    for _ in range(TF_MAX_FAILURES):
        send_code(client, wrong_code(totp_user))
    # The attacker replays the cookie from before the wrong codes: the count is kept by hub.
    client.set_cookie("session", saved)
    again = client.post("/tf-validate", data={"code": code_for(totp_user), "csrf_token": token})
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert not logged_in(client)


def test_wrong_codes_count_towards_the_account_lockout(app, totp_user) -> None:
    client = app.test_client()
    for _ in range(LOCKOUT_FAILURES // TF_MAX_FAILURES):
        password_step(client, totp_user.email)
        for _ in range(TF_MAX_FAILURES):
            send_code(client, wrong_code(totp_user))
    # Ten wrong codes: the account waits, even with the right password.
    step = password_step(client, totp_user.email)
    assert step.status_code == 200 and "/tf-validate" not in step.headers.get("Location", "")


def test_a_code_is_refused_the_second_time(app, totp_user) -> None:
    code = code_for(totp_user)
    first = app.test_client()
    password_step(first, totp_user.email)
    send_code(first, code)
    assert logged_in(first)
    second = app.test_client()  # someone who read the code over the shoulder
    password_step(second, totp_user.email)
    send_code(second, code)
    assert not logged_in(second)


def test_recovery_code_guesses_count_too(app, totp_user) -> None:
    client = app.test_client()
    password_step(client, totp_user.email)
    answers = [
        send_code(client, "0000-0000-0000", path="/mf-recovery") for _ in range(TF_MAX_FAILURES)
    ]
    assert answers[-1].status_code == 302 and "/login" in answers[-1].headers["Location"]


@pytest.fixture
def limited(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    limited = create_app(
        make_settings(tmp_path, database_url),
        {"TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"},
    )
    speed_up(limited)
    with limited.app_context():
        yield limited


@pytest.mark.parametrize("path", ["/tf-validate", "/mf-recovery", "/tf-rescue", "/tf-setup"])
def test_second_factor_pages_are_rate_limited_per_address(limited: Flask, path: str) -> None:
    client = limited.test_client()
    token = csrf_from(client.get("/login").text)
    limit = int(TF_RATE.split()[0])
    statuses = [
        client.post(path, data={"code": "123456", "csrf_token": token}).status_code
        for _ in range(limit + 1)
    ]
    assert 429 not in statuses[:limit] and statuses[-1] == 429
