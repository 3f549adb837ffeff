"""People and roles (admins only): created through hub.auth, role changes audited, no hashes."""

from __future__ import annotations

from flask_security.utils import verify_password

from hub.extensions import db
from hub.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, login
from tests.integration.admin.conftest import post_form


def _role_id(name: str) -> str:
    return str(db.session.scalar(db.select(Role.id).where(Role.name == name)))


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    query = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def _user(email: str) -> User:
    db.session.rollback()
    return db.session.scalars(db.select(User).where(User.email == email)).one()


def test_admin_creates_a_person_who_can_then_log_in(app, make_user, client_for) -> None:
    admin = make_user("admin")
    client = client_for(admin)
    response = post_form(
        client,
        "/admin/users/new/",
        {
            "email": "Neu.Person@Bochum.example",
            "full_name": "Neu Person",
            "roles": [_role_id("editor"), _role_id("approver")],
            "active": "y",
            "locale": "",
            "new_password": "ein langes Passwort",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    user = _user("neu.person@bochum.example")
    assert user.role_names == {"editor", "approver"}
    assert user.password != "ein langes Passwort"
    assert verify_password("ein langes Passwort", user.password)
    [created] = [e for e in _events("user.created") if e.object_id == user.id]
    assert created.actor_id == admin.id and created.details == {"roles": ["approver", "editor"]}
    assert "ein langes Passwort" not in str(created.details)
    login(app.test_client(), user.email, "ein langes Passwort")


def test_a_short_password_is_refused(english, make_user, client_for) -> None:
    client = client_for(make_user("admin"))
    response = post_form(
        client,
        "/admin/users/new/",
        {
            "email": "kurz@bochum.example",
            "roles": [_role_id("editor")],
            "active": "y",
            "new_password": "kurz",
        },
    )
    assert "at least 12 characters" in response.text
    assert 'value="kurz"' not in response.text  # a password is never shown again
    db.session.rollback()
    assert (
        db.session.scalars(db.select(User).where(User.email == "kurz@bochum.example")).all() == []
    )


def test_role_changes_are_audited_with_before_and_after(make_user, client_for) -> None:
    admin = make_user("admin")
    person = make_user("editor", name="Eva Editor")
    client = client_for(admin)
    response = post_form(
        client,
        f"/admin/users/edit/?id={person.id}",
        {
            "email": person.email,
            "full_name": "Eva Editor",
            "roles": [_role_id("editor"), _role_id("approver")],
            "active": "y",
            "locale": "",
            "new_password": "",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    [changed] = _events("user.roles_changed")
    assert changed.object_id == person.id and changed.actor_id == admin.id
    assert changed.details == {"before": ["editor"], "after": ["approver", "editor"]}
    assert _events("user.updated") == []  # nothing else changed
    # The password was left empty, so it still works.
    assert verify_password(PASSWORD, _user(person.email).password)


def test_deactivating_someone_ends_their_sessions(make_user, client_for) -> None:
    admin = make_user("admin")
    person = make_user("editor")
    theirs = client_for(person)
    assert theirs.get("/admin/").status_code == 200
    client = client_for(admin)
    post_form(
        client,
        f"/admin/users/edit/?id={person.id}",
        {
            "email": person.email,
            "full_name": person.full_name,
            "roles": [_role_id("editor")],
            "locale": "",
            "new_password": "",
        },  # "active" unchecked
    )
    assert [e.object_id for e in _events("user.deactivated")] == [person.id]
    assert theirs.get("/admin/").status_code == 302  # logged out


def test_an_admin_cannot_lock_themselves_out(english, make_user, client_for) -> None:
    admin = make_user("admin")
    client = client_for(admin)
    response = post_form(
        client,
        f"/admin/users/edit/?id={admin.id}",
        {
            "email": admin.email,
            "full_name": admin.full_name,
            "roles": [_role_id("editor")],
            "active": "y",
            "locale": "",
            "new_password": "",
        },
    )
    assert "cannot remove your own admin role" in response.text
    assert _user(admin.email).role_names == {"admin"}
    assert _events("user.roles_changed") == []


def test_no_hashes_or_second_factor_secrets_in_any_page(make_user, client_for) -> None:
    admin = make_user("admin")
    person = make_user("editor")
    person.tf_totp_secret = "TOTP-SECRET-DO-NOT-SHOW"
    db.session.commit()
    client = client_for(admin)
    for url in (
        "/admin/users/",
        f"/admin/users/edit/?id={person.id}",
        "/admin/users/new/",
        f"/admin/users/details/?id={person.id}",
    ):
        page = client.get(url).text
        assert person.password not in page and admin.password not in page, url
        assert "$argon2" not in page and "TOTP-SECRET-DO-NOT-SHOW" not in page, url
        assert person.fs_uniquifier not in page, url
