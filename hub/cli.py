"""The ``hub`` command: set-up, users and tokens, serving, workers, the demo and the sandbox."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask

from hub import create_app
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
    """Create a user with one or more roles."""
    from hub.auth.users import create_user, find_user
    from hub.extensions import db

    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password, generated = secrets.token_urlsafe(12), True
    if len(password) < 10:
        raise click.ClickException("The password needs at least 10 characters.")
    with app_context():
        if find_user(email):
            raise click.ClickException(f"A user {email} exists already.")
        create_user(email, roles, password, full_name=full_name)
        db.session.commit()
    click.echo(f"Created {email} ({', '.join(roles)}).")
    if generated:
        click.echo(f"Password: {password}")


@main.group()
def token() -> None:
    """API tokens for other systems (the city's CMS)."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
def token_create(email: str, name: str) -> None:
    """Print a new API token for EMAIL, once; only its hash is stored."""
    from hub import audit
    from hub.auth.tokens import create_token
    from hub.auth.users import find_user
    from hub.extensions import db

    with app_context():
        user = find_user(email)
        if user is None:
            raise click.ClickException(f"No user {email}.")
        plain = create_token(user, name)
        audit.record("token.created", user, name=name)
        db.session.commit()
    click.echo(plain)


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
