"""The ``hub`` command against both databases: init, users, tokens, key rotation."""

from __future__ import annotations

from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import select, text

from hub.auth.tokens import user_for_token
from hub.cli import main
from hub.extensions import db
from hub.models import ApiToken, AuditEvent, Channel, User


def run(settings, *args: str, input: str | None = None, keys: str | None = None):  # type: ignore[no-untyped-def]
    env = {"HUB_DATA_DIR": str(settings.data_dir), "HUB_DATABASE_URL": settings.database_url}
    if keys:
        env["HUB_ENCRYPTION_KEYS"] = keys
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result


def test_help_lists_every_command(settings) -> None:
    out = run(settings, "--help").output
    for command in (
        "init",
        "create-user",
        "token",
        "serve",
        "demo",
        "worker",
        "beat",
        "rotate-keys",
        "backup",
        "restore",
    ):
        assert command in out


def test_init_create_user_and_token(app, settings) -> None:
    assert run(settings, "init").exit_code == 0
    result = run(
        settings,
        "create-user",
        "Presse@Bochum.example",
        "--role",
        "editor",
        "--role",
        "approver",
        "--password-stdin",
        input="ein langes passwort\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "presse@bochum.example"))
    assert user.role_names == {"editor", "approver"}
    assert user.password != "ein langes passwort"  # hashed (argon2)
    assert user.password.startswith("$argon2")

    duplicate = run(
        settings,
        "create-user",
        "presse@bochum.example",
        "--role",
        "editor",
        "--password-stdin",
        input="ein langes passwort\n",
    )
    assert duplicate.exit_code != 0 and "exists" in duplicate.output

    short = run(
        settings,
        "create-user",
        "x@bochum.example",
        "--role",
        "editor",
        "--password-stdin",
        input="kurz\n",
    )
    assert short.exit_code != 0

    token = run(settings, "token", "create", "presse@bochum.example").output.strip()
    db.session.expire_all()
    stored = db.session.scalar(select(ApiToken))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert user_for_token(token).id == user.id
    assert user_for_token(token + "x") is None


def test_rotate_keys_reencrypts_credentials(app, settings, make_channel) -> None:
    channel = make_channel("x", credentials={"access_token": "geheim-123"})
    old = db.session.execute(text("SELECT credentials FROM channel")).scalar()
    assert "geheim" not in old  # encrypted at rest
    new_key = Fernet.generate_key().decode()
    keys = ",".join([new_key, *settings.encryption_keys])
    result = run(settings, "rotate-keys", keys=keys)
    assert result.exit_code == 0, result.output
    rotated = db.session.execute(text("SELECT credentials FROM channel")).scalar()
    assert rotated != old
    # Only the new key is needed now.
    assert Fernet(new_key.encode()).decrypt(rotated.encode())
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).credentials == {"access_token": "geheim-123"}
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "keys.rotated"))
