"""Settings → API tokens (admins): every token with owner, scopes, expiry and state; revoke one
(CSRF, audited); create one for a person with chosen scopes and days, shown once."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from sqlalchemy import select

from hub.auth.scopes import CMS_SCOPES, Scope
from hub.auth.tokens import create_token, user_for_token
from hub.extensions import db
from hub.models import ApiToken, AuditEvent
from hub.models.types import utcnow
from tests.conftest import csrf_from
from tests.integration.admin.conftest import post_form

PAGE = "/admin/api-tokens/"


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def _token(user, name: str, scopes=CMS_SCOPES) -> tuple[str, ApiToken]:  # type: ignore[no-untyped-def]
    plain = create_token(user, name, scopes=scopes)
    db.session.commit()
    digest = hashlib.sha256(plain.encode()).hexdigest()
    return plain, db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one()


def _row(html: str, token_id: int) -> str:
    match = re.search(rf'<tr data-token-id="{token_id}".*?</tr>', html, re.S)
    assert match, f"no row for token {token_id}"
    return match.group(0)


def test_only_admins_reach_the_page(make_user, client_for) -> None:
    for role in ("editor", "approver", "moderator", "manager"):
        client = client_for(make_user(role))
        assert client.get(PAGE).status_code == 403, role
        assert client.post(f"{PAGE}revoke", data={"token_id": "1"}).status_code in (400, 403)


def test_admin_sees_every_token_with_its_state_but_no_secret(
    english, make_user, client_for
) -> None:
    admin = make_user("admin")
    editor, moderator = make_user("editor"), make_user("moderator")
    cms_plain, cms = _token(editor, "CMS")
    old_plain, old = _token(editor, "Alt")
    bot_plain, bot = _token(moderator, "Bot", scopes=frozenset({Scope.inbox}))
    old.expires_at = utcnow() - timedelta(days=1)
    bot.revoked_at = utcnow()
    db.session.commit()

    page = client_for(admin).get(PAGE)

    assert page.status_code == 200
    html = page.text
    for plain, token in ((cms_plain, cms), (old_plain, old), (bot_plain, bot)):
        assert plain not in html and token.token_hash not in html
        assert token.prefix in _row(html, token.id)
    assert editor.email in _row(html, cms.id) and "announcements:write" in _row(html, cms.id)
    assert "Active" in _row(html, cms.id) and 'name="token_id"' in _row(html, cms.id)
    assert "Expired" in _row(html, old.id)
    assert "Revoked" in _row(html, bot.id) and 'name="token_id"' not in _row(html, bot.id)
    assert moderator.email in _row(html, bot.id) and "inbox" in _row(html, bot.id)
    for header in ("Owner", "Name", "Prefix", "Scopes", "Created", "Last used", "Expires"):
        assert f'<th scope="col">{header}</th>' in html, header


def test_admin_revokes_a_token_with_csrf_and_it_is_audited(make_user, client_for) -> None:
    admin, editor = make_user("admin"), make_user("editor")
    plain, token = _token(editor, "CMS")
    client = client_for(admin)

    without_csrf = client.post(f"{PAGE}revoke", data={"token_id": str(token.id)})
    assert without_csrf.status_code == 400
    db.session.rollback()
    assert db.session.get(ApiToken, token.id).revoked_at is None

    revoked = post_form(client, PAGE, {"token_id": str(token.id)}, post_url=f"{PAGE}revoke")

    assert revoked.status_code == 302
    db.session.rollback()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    [event] = _events("token.revoked")
    assert event.actor_id == admin.id and event.object_id == token.id
    assert event.details["owner"] == editor.email and plain not in str(event.details)
    assert user_for_token(plain) is None


def test_admin_creates_a_token_shown_once(english, make_user, client_for) -> None:
    admin, moderator = make_user("admin"), make_user("moderator")
    client = client_for(admin)

    response = post_form(
        client,
        PAGE,
        {
            "user_id": str(moderator.id),
            "name": "Ticketsystem",
            "scopes": ["inbox"],
            "days": "30",
        },
        post_url=f"{PAGE}new",
    )

    assert response.status_code == 200, response.text[:2000]
    shown = re.search(r'id="new-token"[^>]*value="(hub_[^"]+)"', response.text)
    assert shown, response.text[:3000]
    plain = shown.group(1)
    assert user_for_token(plain).id == moderator.id
    db.session.rollback()
    token = db.session.scalars(select(ApiToken).where(ApiToken.name == "Ticketsystem")).one()
    assert token.scopes == "inbox"
    assert utcnow() + timedelta(days=29) < token.expires_at <= utcnow() + timedelta(days=30)
    [event] = _events("token.created")
    assert event.actor_id == admin.id and event.object_id == token.id
    assert event.details["owner"] == moderator.email and plain not in str(event.details)
    assert "no-store" in response.headers["Cache-Control"]
    # Shown once: the list afterwards names it, but never again shows the secret.
    again = client.get(PAGE).text
    assert plain not in again and token.prefix in again


def test_create_needs_a_scope_and_sensible_days(english, make_user, client_for) -> None:
    admin, editor = make_user("admin"), make_user("editor")
    client = client_for(admin)
    for fields, message in (
        ({"scopes": []}, "Please choose at least one scope."),
        ({"scopes": ["announcements:read"], "days": "0"}, "between 1 and 365"),
        ({"scopes": ["announcements:read"], "days": "400"}, "between 1 and 365"),
        ({"scopes": ["admin"]}, "Please choose only among the scopes listed."),
    ):
        data = {"user_id": str(editor.id), "name": "CMS", "days": "90", **fields}
        response = post_form(client, PAGE, data, post_url=f"{PAGE}new")
        assert response.status_code == 200
        assert message in response.text, (fields, response.text[:3000])
        assert 'id="new-token"' not in response.text
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)) is None
    assert _events("token.created") == []


def test_the_create_form_posts_with_csrf_only(make_user, client_for) -> None:
    admin, editor = make_user("admin"), make_user("editor")
    client = client_for(admin)
    data = {"user_id": str(editor.id), "name": "CMS", "scopes": ["inbox"], "days": "5"}
    assert client.post(f"{PAGE}new", data=data).status_code == 400
    page = client.get(PAGE)
    data["csrf_token"] = csrf_from(page.text)
    assert client.post(f"{PAGE}new", data=data).status_code == 200
    db.session.rollback()
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "CMS")) is not None
