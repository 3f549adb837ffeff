"""The ``hub`` command: set-up, users and tokens, serving, workers, the demo and the sandbox."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask

from hub import create_app
from hub.auth.scopes import Scope
from hub.auth.tokens import MAX_DAYS
from hub.models import RoleName


@contextmanager
def app_context() -> Iterator[Flask]:
    app = create_app()
    with app.app_context():
        yield app


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """hub: publish once to every network, answer citizens, measure engagement.

    Every command reads HUB_DATA_DIR and HUB_DATABASE_URL (see the README).
    """


@main.command()
def init() -> None:
    """Create or upgrade the database and the roles."""
    from hub.auth.users import sync_roles
    from hub.database import upgrade
    from hub.extensions import db

    with app_context() as app:
        upgrade(app.config["SQLALCHEMY_DATABASE_URI"])
        sync_roles()
        db.session.commit()
    click.echo("Database is up to date.")


@main.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in RoleName]),
    help="Repeat for several roles.",
)
@click.option("--name", "full_name", default=None, help="Display name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(
    email: str, roles: tuple[str, ...], full_name: str | None, password_stdin: bool
) -> None:
    """Create a user with one or more roles (without a terminal or --password-stdin, hub makes
    up a password and prints it)."""
    from hub.auth.passwords import WeakPassword, generate_password
    from hub.auth.users import create_user, find_user
    from hub.extensions import db

    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password, generated = "", True
    with app_context():
        if find_user(email):
            raise click.ClickException(f"A user {email} exists already.")
        password = generate_password() if generated else password
        try:
            create_user(email, roles, password, full_name=full_name)
        except WeakPassword as weak:
            raise click.ClickException(str(weak)) from None
        db.session.commit()
    click.echo(f"Created {email} ({', '.join(roles)}).")
    if generated:
        click.echo(f"Password: {password}")


@main.group()
def token() -> None:
    """API tokens for other systems (the city's CMS)."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for (e.g. CMS).")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice([s.value for s in Scope]),
    help=(
        "What the token may be used for; repeat for several. Default: announcements:read and "
        "announcements:write (what a CMS needs). announcements:write includes reading. A scope "
        "never gives more than the owner's roles allow."
    ),
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_DAYS),
    default=None,
    help=f"Days until it expires, 1 to {MAX_DAYS} (default: HUB_API_TOKEN_DAYS, 90).",
)
def token_create(email: str, name: str, scopes: tuple[str, ...], days: int | None) -> None:
    """Print a new API token for EMAIL, once; only its hash is stored."""
    from hub.auth.scopes import CMS_SCOPES
    from hub.auth.tokens import issue_token
    from hub.auth.users import find_user
    from hub.extensions import db

    with app_context():
        user = find_user(email)
        if user is None:
            raise click.ClickException(f"No user {email}.")
        chosen = frozenset(Scope(s) for s in scopes) or CMS_SCOPES
        _, plain = issue_token(user, name, scopes=chosen, days=days)
        db.session.commit()
    click.echo(plain)


@token.command("list")
@click.option("--email", default=None, help="Only the tokens of this person.")
def token_list(email: str | None) -> None:
    """List API tokens (newest first) with owner, scopes, dates and state; never the secret."""
    from hub.auth.tokens import list_tokens
    from hub.i18n import to_local

    def when(value: object) -> str:
        local = to_local(value)  # type: ignore[arg-type]
        return local.strftime("%Y-%m-%d %H:%M") if local else "-"

    with app_context():
        rows = [
            (
                str(info.token.id),
                info.token.prefix,
                info.token.user.email,
                info.token.name or "-",
                ",".join(info.scopes),
                when(info.token.created_at),
                when(info.token.last_used_at),
                when(info.token.expires_at),
                info.state.value,
            )
            for info in list_tokens(email)
        ]
    if not rows:
        click.echo("No API tokens.")
        return
    header = ("ID", "PREFIX", "OWNER", "NAME", "SCOPES", "CREATED", "LAST USED", "EXPIRES", "STATE")
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke the API token ID (see `hub token list`) for good; calls with it get 401."""
    from hub.auth.tokens import TokenError, revoke_token
    from hub.extensions import db

    with app_context():
        try:
            token, revoked = revoke_token(token_id)
        except TokenError:
            raise click.ClickException(f"No API token with id {token_id}.") from None
        db.session.commit()
        owner, prefix = token.user.email, token.prefix
    if revoked:
        click.echo(f"Revoked token {token_id} ({prefix}...) of {owner}.")
    else:
        click.echo(f"Token {token_id} ({prefix}...) of {owner} was already revoked.")


@main.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt stored credentials with the first key of HUB_ENCRYPTION_KEYS."""
    from sqlalchemy import select, text

    from hub import audit, crypto
    from hub.extensions import db
    from hub.models import Channel

    with app_context():
        rows = db.session.execute(
            text("SELECT id, credentials FROM channel WHERE credentials IS NOT NULL")
        ).all()
        for row in rows:
            db.session.execute(
                text("UPDATE channel SET credentials = :c WHERE id = :id"),
                {"c": crypto.rotate(row.credentials), "id": row.id},
            )
        audit.record("keys.rotated", None, channels=len(rows))
        db.session.commit()
        # Prove every value still decrypts with the current keys.
        list(db.session.scalars(select(Channel)))
    click.echo(f"Re-encrypted the credentials of {len(rows)} channels.")


@contextmanager
def spoken_app() -> Iterator[Flask]:
    """The app, speaking the language of the terminal's user (LANG) or the office's default
    (warnings and errors, with their detail, go to the log on standard error)."""
    import os

    from flask_babel import force_locale

    from hub.i18n import BABEL_LOCALES, terminal_language

    with app_context() as app:
        language = terminal_language(os.environ) or app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(BABEL_LOCALES.get(language, language)):
            yield app


@main.command()
@click.option(
    "--to",
    "folder",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the backup file is written to.",
)
def backup(folder: Path) -> None:
    """Write the database and the media into one file, hub-backup-<UTC time>.tar (safe while
    hub runs; the keys are not in it)."""
    from hub.backup import BackupError, report
    from hub.backup.create import create_backup

    with spoken_app() as app:
        try:
            result = create_backup(app.config["HUB_SETTINGS"], folder)
        except BackupError as error:
            raise click.ClickException(error.message) from None
        for line in report.created(result, str(app.config["HUB_SETTINGS"].media_dir)):
            click.echo(line)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before restoring.")
@click.option(
    "--replace-existing-data",
    is_flag=True,
    help="Overwrite a database that already holds hub's data (it is lost).",
)
def restore(file: Path, yes: bool, replace_existing_data: bool) -> None:
    """Restore a backup into an empty installation (web, workers and beat stopped), then
    upgrade it to this release."""
    from flask_babel import gettext as _
    from sqlalchemy.engine import make_url

    from hub.backup import BackupError, report
    from hub.backup.restore import check_target, keys_match, open_backup, restore_backup

    with spoken_app() as app:
        settings = app.config["HUB_SETTINGS"]
        try:
            reader = open_backup(file)
            try:
                check_target(settings, reader.manifest, replace=replace_existing_data)
                where = make_url(settings.database_url).render_as_string(hide_password=True)
                matching = keys_match(reader.manifest, settings)
                for line in report.plan(reader.manifest, where, str(settings.media_dir), matching):
                    click.echo(line)
                if not yes and not click.confirm(_("Restore now?")):
                    raise click.Abort()
                result = restore_backup(settings, reader, replace=replace_existing_data)
            finally:
                reader.close()
        except BackupError as error:
            raise click.ClickException(error.message) from None
        for line in report.restored(result):
            click.echo(line)
    if result.differences:
        sys.exit(1)


@main.command()
def web() -> None:
    """Serve the web app under gunicorn, for production (HUB_WEB_BIND, HUB_WEB_WORKERS, ...:
    see hub/gunicorn_config.py); refuses to start before 'hub init' brought the database up to
    date."""
    import os

    from hub.config import Settings
    from hub.serving import check_database, web_command

    check_database(Settings.from_env())
    command = web_command()
    os.execv(command[0], command)  # noqa: S606 - gunicorn takes over this process (systemd: its main PID)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-worker", is_flag=True, help="Serve the web app only.")
def serve(host: str, port: int, no_worker: bool) -> None:
    """Serve the web app (with a Celery worker and beat unless --no-worker)."""
    from hub.serving import serve as run

    run(host=host, port=port, worker=not no_worker)


@main.command()
@click.option("-Q", "--queues", default="publish,actions,sync,dispatch", show_default=True)
@click.option(
    "-c", "--concurrency", type=int, default=None, help="Default: HUB_WORKER_CONCURRENCY."
)
@click.option(
    "--pool",
    default="threads",
    show_default=True,
    type=click.Choice(["threads", "prefork", "solo"]),
)
@click.option("-n", "--name", default=None, help="Worker node name (several per machine).")
@click.option("--beat", "with_beat", is_flag=True, help="Also run beat in this process.")
def worker(
    queues: str, concurrency: int | None, pool: str, name: str | None, with_beat: bool
) -> None:
    """Run one Celery worker (for scaled-out deployments)."""

    from hub.config import Settings
    from hub.serving import supervise, worker_command

    command = worker_command(
        Settings.from_env(),
        queues=queues.split(","),
        concurrency=concurrency,
        pool=pool,
        with_beat=with_beat,
        name=name,
    )
    supervise([command])


@main.command()
def beat() -> None:
    """Run the Celery beat (the dispatcher's clock); one per deployment."""

    from hub.config import Settings
    from hub.serving import beat_command, supervise

    supervise([beat_command(Settings.from_env())])


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--sandbox-port", default=5050, show_default=True, type=int)
def demo(host: str, port: int, sandbox_port: int) -> None:
    """Fill a data dir with demo users, channels and announcements, then serve everything."""
    from hub.demo import run_demo

    run_demo(host=host, port=port, sandbox_port=sandbox_port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5050, show_default=True, type=int, help="0: any free port.")
@click.option("--quiet", is_flag=True, help="Do not log each request.")
def sandbox(host: str, port: int, quiet: bool) -> None:
    """Serve the sandbox: X and Facebook (Graph API) as local fakes, with fault injection.

    Point hub at it with HUB_SANDBOX_URL=http://HOST:PORT. The first line printed names the
    URL; control endpoints live under /_sandbox/ (posts, faults, requests, reset).
    """
    from hub.sandbox.server import serve as serve_sandbox

    serve_sandbox(host, port, verbose=not quiet)


if __name__ == "__main__":  # pragma: no cover
    main()
