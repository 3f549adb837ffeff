"""A second factor is required for the roles HUB_REQUIRE_2FA_ROLES names (admins and approvers
by default): set up right after the password, before anything else. Recovery codes cover a lost
phone; an admin can reset someone's second factor (audited, admins only, with CSRF)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, current_app
from sqlalchemy import select

from hub import create_app
from hub.extensions import db
from hub.models import AuditEvent, User
from tests.conftest import csrf_from, login, make_settings
from tests.integration.admin.support import speed_up
from tests.security.support import (
    give_totp,
    logged_in,
    logged_in_with_totp,
    password_step,
    send_code,
)


@pytest.fixture
def strict(app: Flask, tmp_path: Path, database_url: str) -> Iterator[Flask]:
    """hub with the default rule: admins and approvers need a second factor."""
    strict = create_app(
        make_settings(tmp_path, database_url, require_2fa_roles=("admin", "approver")),
        {"TESTING": True, "RATELIMIT_ENABLED": False},
    )
    speed_up(strict)
    with strict.app_context():
        yield strict


def _set_up_authenticator(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/tf-setup")
    assert page.status_code == 200
    client.post("/tf-setup", data={"setup": "authenticator", "csrf_token": csrf_from(page.text)})
    with client.session_transaction() as session:
        secret = session["tf_totp_secret"]
    code = current_app.extensions["security"].totp_factory.generate_totp_password(secret)
    done = send_code(client, code)
    assert done.status_code == 302, done.text[:300]


@pytest.mark.parametrize("role", ["admin", "approver"])
def test_required_role_sets_up_a_second_factor_before_anything_else(
    strict: Flask, make_user, role: str
) -> None:
    person = make_user(role)
    client = strict.test_client()
    step = password_step(client, person.email)
    assert step.status_code == 302 and "/tf-setup" in step.headers["Location"]
    assert not logged_in(client)
    _set_up_authenticator(client)
    assert logged_in(client)
    db.session.rollback()
    assert db.session.get(User, person.id).tf_primary_method == "authenticator"


def test_other_roles_may_log_in_with_the_password(strict: Flask, make_user) -> None:
    client = strict.test_client()
    login(client, make_user("editor").email)
    assert logged_in(client)


def test_a_session_without_the_required_factor_reaches_only_its_setup(
    strict: Flask, make_user
) -> None:
    from hub.models import Role

    person = make_user("editor")
    client = strict.test_client()
    login(client, person.email)
    # Later that day an admin makes them an approver: the open session must catch up.
    person.roles.append(db.session.scalar(select(Role).where(Role.name == "approver")))
    db.session.commit()
    for path in ("/admin/", "/admin/announcements/"):
        answer = client.get(path)
        assert answer.status_code == 302 and "/tf-setup" in answer.headers["Location"]
    assert client.get("/tf-setup").status_code == 200


def test_recovery_codes_log_in_once_each(app, make_user) -> None:
    person = make_user("editor")
    client = logged_in_with_totp(app, person)
    page = client.get("/mf-recovery-codes")
    made = client.post(
        "/mf-recovery-codes",
        data={"generate_new_codes": "1", "csrf_token": csrf_from(page.text)},
    )
    codes = re.findall(r"\b[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}\b", made.text)
    assert len(codes) >= 5
    db.session.rollback()
    stored = db.session.get(User, person.id).mf_recovery_codes
    assert stored and codes[0] not in " ".join(stored)  # encrypted at rest
    for attempt in range(2):
        other = app.test_client()
        password_step(other, person.email)
        send_code(other, codes[0], path="/mf-recovery")
        assert logged_in(other) is (attempt == 0)


def test_user_menu_links_second_factor_and_recovery_codes(app, make_user) -> None:
    client = app.test_client()
    login(client, make_user("editor").email)
    page = client.get("/admin/").text
    assert 'href="/tf-setup"' in page and 'href="/mf-recovery-codes"' in page
    assert 'href="/change"' in page


def _reset(client, person):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/admin/").text)  # the session's token, valid on any form
    return client.post(
        "/admin/users/action/",
        data={"action": "reset_second_factor", "rowid": str(person.id), "csrf_token": token},
    )


def test_admin_resets_a_second_factor_audited_and_ending_sessions(app, make_user) -> None:
    admin, person = make_user("admin"), make_user("approver")
    give_totp(person)
    before = person.fs_uniquifier
    client = app.test_client()
    login(client, admin.email)
    assert _reset(client, person).status_code == 302
    db.session.rollback()
    person = db.session.get(User, person.id)
    assert person.tf_primary_method is None and person.tf_totp_secret is None
    assert person.fs_uniquifier != before
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.second_factor_reset")
    ).one()
    assert event.actor_id == admin.id and event.object_id == person.id


def test_only_admins_reset_and_only_with_csrf(app, make_user) -> None:
    admin, person, editor = make_user("admin"), make_user("approver"), make_user("editor")
    give_totp(person)
    outsider = app.test_client()
    login(outsider, editor.email)
    assert _reset(outsider, person).status_code == 403
    forged = app.test_client()
    login(forged, admin.email)
    refused = forged.post(
        "/admin/users/action/", data={"action": "reset_second_factor", "rowid": str(person.id)}
    )
    assert refused.status_code == 400
    db.session.rollback()
    assert db.session.get(User, person.id).tf_primary_method == "authenticator"


def test_a_required_second_factor_cannot_be_switched_off(strict: Flask, make_user) -> None:
    person = make_user("admin")
    client = logged_in_with_totp(strict, person)
    page = client.get("/tf-setup")
    assert 'value="disable"' not in page.text
    client.post("/tf-setup", data={"setup": "disable", "csrf_token": csrf_from(page.text)})
    db.session.rollback()
    assert db.session.get(User, person.id).tf_primary_method == "authenticator"
