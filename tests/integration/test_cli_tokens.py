"""``hub token create|list|revoke`` against both databases: scopes, expiry, never the secret."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy import select

from hub.auth.tokens import user_for_token
from hub.extensions import db
from hub.models import ApiToken, AuditEvent
from hub.models.types import utcnow
from tests.integration.test_cli import run


def _stored(plain: str) -> ApiToken:
    db.session.rollback()
    digest = hashlib.sha256(plain.encode()).hexdigest()
    return db.session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one()


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def test_create_defaults_to_what_a_cms_needs_for_90_days(app, settings, make_user) -> None:
    user = make_user("editor")
    result = run(settings, "token", "create", user.email, "--name", "CMS")
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    stored = _stored(plain)
    assert stored.name == "CMS"
    assert set(stored.scopes.split()) == {"announcements:read", "announcements:write"}
    assert utcnow() + timedelta(days=89) < stored.expires_at <= utcnow() + timedelta(days=90)
    [created] = _events("token.created")
    assert created.object_id == stored.id and created.object_type == "apitoken"
    assert created.details["scopes"] == ["announcements:read", "announcements:write"]
    assert plain not in str(created.details)
    assert user_for_token(plain).id == user.id


def test_create_with_chosen_scopes_and_days(app, settings, make_user) -> None:
    user = make_user("moderator", "manager")
    result = run(
        settings,
        "token",
        "create",
        user.email,
        "--name",
        "Ticketsystem",
        "--scope",
        "inbox",
        "--scope",
        "metrics",
        "--days",
        "7",
    )
    assert result.exit_code == 0, result.output
    stored = _stored(result.output.strip())
    assert set(stored.scopes.split()) == {"inbox", "metrics"}
    assert stored.expires_at <= utcnow() + timedelta(days=7)


def test_create_refuses_unknown_scopes_days_and_people(app, settings, make_user) -> None:
    user = make_user("editor")
    for args in (
        ("--scope", "admin"),
        ("--days", "0"),
        ("--days", "400"),
    ):
        result = run(settings, "token", "create", user.email, *args)
        assert result.exit_code != 0, args
    unknown = run(settings, "token", "create", "niemand@bochum.example")
    assert unknown.exit_code != 0 and "niemand@bochum.example" in unknown.output
    db.session.rollback()
    assert db.session.scalar(select(ApiToken)) is None


def test_help_says_the_default_scopes(settings) -> None:
    out = run(settings, "token", "create", "--help").output
    assert "announcements:read" in out and "announcements:write" in out and "--days" in out
    assert {"create", "list", "revoke"} <= set(run(settings, "token", "--help").output.split())


def test_list_shows_every_token_and_its_state_but_never_the_secret(
    app, settings, make_user
) -> None:
    editor, moderator = make_user("editor"), make_user("moderator")
    active = run(settings, "token", "create", editor.email, "--name", "CMS").output.strip()
    expired = run(settings, "token", "create", editor.email, "--name", "Alt").output.strip()
    revoked = run(
        settings, "token", "create", moderator.email, "--name", "Bot", "--scope", "inbox"
    ).output.strip()
    _stored(expired).expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert run(settings, "token", "revoke", str(_stored(revoked).id)).exit_code == 0

    listing = run(settings, "token", "list")
    assert listing.exit_code == 0, listing.output
    out = listing.output
    for plain in (active, expired, revoked):
        assert plain not in out
        assert _stored(plain).token_hash not in out
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    header = out.splitlines()[0].lower()
    for column in ("id", "prefix", "owner", "name", "scopes", "created", "last used", "expires"):
        assert column in header, column
    cms, old, bot = (lines[str(_stored(p).id)] for p in (active, expired, revoked))
    assert editor.email in cms and "CMS" in cms and "announcements:write" in cms
    assert cms.rstrip().endswith("active") and active[:12] in cms
    assert old.rstrip().endswith("expired")
    assert bot.rstrip().endswith("revoked") and moderator.email in bot and "inbox" in bot

    mine = run(settings, "token", "list", "--email", moderator.email.upper()).output
    assert moderator.email in mine and editor.email not in mine


def test_revoke_sets_revoked_at_audits_and_ends_the_token(app, settings, make_user) -> None:
    user = make_user("editor")
    plain = run(settings, "token", "create", user.email).output.strip()
    token_id = _stored(plain).id

    result = run(settings, "token", "revoke", str(token_id))

    assert result.exit_code == 0, result.output
    assert _stored(plain).revoked_at is not None
    [event] = _events("token.revoked")
    assert event.object_id == token_id and event.details["owner"] == user.email
    assert user_for_token(plain) is None
    again = run(settings, "token", "revoke", str(token_id))
    assert again.exit_code == 0 and "already" in again.output
    assert len(_events("token.revoked")) == 1
    missing = run(settings, "token", "revoke", "999999")
    assert missing.exit_code != 0 and "999999" in missing.output
