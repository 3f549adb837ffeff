"""``hub demo``: a practice office with a user per role, a channel per network and announcements
in several states, served together with a worker, beat and the sandbox (no real network)."""

from __future__ import annotations

import io
import os
import re
import secrets
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import click
from PIL import Image, ImageDraw

from hub.config import Settings
from hub.models import Channel, RoleName, User
from hub.sandbox.samples import SAMPLE_SUBTITLES, sample_mp4

DEMO_USERS = {
    RoleName.editor: ("redaktion@demo.bochum.example", "Erika Redakteurin"),
    RoleName.approver: ("freigabe@demo.bochum.example", "Anton Freigeber"),
    RoleName.moderator: ("moderation@demo.bochum.example", "Mona Moderatorin"),
    RoleName.manager: ("leitung@demo.bochum.example", "Lars Leitung"),
    RoleName.admin: ("admin@demo.bochum.example", "Ada Admin"),
}
DEMO_CHANNELS = [
    ("facebook", "Stadt Bochum", "104729318356812"),
    ("instagram", "@stadt_bochum", "17841400000000001"),
    ("x", "@bochum", "1234567890"),
    ("youtube", "Stadt Bochum", "UCbochumDemo0000000000"),
    ("flickr", "Stadt Bochum", "12345678@N00"),
    ("linkedin", "Stadt Bochum (LinkedIn-Seite)", "2414183"),  # the organization's number
    ("threads", "Stadt Bochum (@stadt.bochum)", "26178934512309876"),
    # Mastodon: the channel names its instance; the account is "name@instance" across servers.
    ("mastodon", "Stadt Bochum (@stadt@bochum.social)", "stadt@bochum.social"),
    ("bluesky", "Stadt Bochum (@bochum.de)", "did:plc:bochumdemoaaaaaaaaaaaaaa"),
]
# A manual channel (no API; see hub.publishing.manual): not in the sandbox, posted by hand.
WHATSAPP_CHANNEL = ("WhatsApp-Kanal Stadt Bochum", "whatsapp-stadt-bochum")
CREDENTIALS_FILE = "demo-credentials.txt"
MASTODON_TOKEN = "demo-mastodon-stadt"  # noqa: S105 (the sandbox's practice account)
MASTODON_ACCOUNT = "110000000000000001"
DEMO_APPS = (
    "HUB_META_APP_ID",
    "HUB_META_APP_SECRET",
    "HUB_X_CLIENT_ID",
    "HUB_GOOGLE_CLIENT_ID",
    "HUB_GOOGLE_CLIENT_SECRET",
    "HUB_FLICKR_API_KEY",
    "HUB_FLICKR_API_SECRET",
    "HUB_LINKEDIN_CLIENT_ID",
    "HUB_LINKEDIN_CLIENT_SECRET",
    "HUB_THREADS_APP_ID",
    "HUB_THREADS_APP_SECRET",
)


def _wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (our own local URL)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise click.ClickException(f"{url} did not come up") from None
            time.sleep(0.2)


def run_demo(host: str, port: int, sandbox_port: int) -> None:
    data_dir = Path(os.environ.get("HUB_DATA_DIR") or "./demo-instance").resolve()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    os.environ["HUB_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("HUB_SANDBOX_URL", sandbox_url)
    os.environ.setdefault("HUB_PUBLIC_URL", f"http://{host}:{port}")
    # A living dashboard: sandbox posts gain views and likes (an hour a minute), and hub reads
    # them on a schedule 60 times faster (every 15 seconds at first).
    os.environ.setdefault("HUB_SANDBOX_ENGAGEMENT", "60")
    os.environ.setdefault("HUB_METRICS_SPEEDUP", "60")
    # Citizens' comments reach the inbox within seconds rather than a minute.
    os.environ.setdefault("HUB_INBOX_SYNC_INTERVAL", "15")
    # A practice office on this machine with printed passwords: its admin and approver log in
    # without an authenticator app (HUB_REQUIRE_2FA_ROLES=admin,approver tries the real rule).
    os.environ.setdefault("HUB_REQUIRE_2FA_ROLES", "")
    # The sandbox's consent pages take any app: "Connect ..." runs the networks' real flows.
    for name in DEMO_APPS:
        os.environ.setdefault(name, f"demo-{name[4:].lower().replace('_', '-')}")
    settings = Settings.from_env()

    from hub import create_app
    from hub.auth.users import sync_roles
    from hub.database import upgrade
    from hub.extensions import db

    app = create_app(settings)
    with app.app_context():
        upgrade(settings.database_url)
        sync_roles()
        db.session.commit()
        if not (data_dir / CREDENTIALS_FILE).exists():
            seed(settings)
    click.echo((data_dir / CREDENTIALS_FILE).read_text())
    click.echo(f"Open http://{host}:{port}/ (data in {data_dir}; sandbox at {sandbox_url})\n")

    from hub.serving import serve

    sandbox = [sys.executable, "-m", "hub.cli", "sandbox", "--port", str(sandbox_port)]
    # Simulated citizens comment on the published posts, so the inbox has work from the start.
    threading.Thread(target=_citizens, args=(sandbox_url,), daemon=True).start()
    serve(host, port, worker=True, extra=[sandbox])


def _citizens(sandbox_url: str, per_minute: float = 4.0) -> None:
    from hub.sandbox.client import SandboxControl

    try:
        _wait_for(f"{sandbox_url}/_sandbox/health", seconds=60)
        control = SandboxControl(sandbox_url)
        # The demo channels are the city's own accounts there: "Connect ..." offers them on
        # the consent page, so connecting one again renews the channel instead of adding one.
        for network, name, external_id in DEMO_CHANNELS:
            if network != "instagram":  # reached through its Facebook page
                found = re.search(r"@([\w.]+)", name)  # "@bochum", "Stadt Bochum (@stadt.bochum)"
                handle = {"username": found.group(1)} if found else {}
                if network == "mastodon":  # a numeric account id, known by its token
                    handle = {"username": "stadt", "token": MASTODON_TOKEN}
                    external_id = MASTODON_ACCOUNT
                control.put_account(network, id=external_id, name=name, **handle)
        control.citizens(per_minute)
    except (click.ClickException, RuntimeError, OSError) as exc:
        click.echo(f"The simulated citizens stay at home: {exc}", err=True)


def _demo_image(text: str, color: str) -> bytes:
    img = Image.new("RGB", (1200, 675), color)
    draw = ImageDraw.Draw(img)
    draw.text((60, 300), text, fill="white", font_size=64)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def demo_credentials(network: str) -> dict[str, str]:
    """Credentials of the shape each network's API wants; the sandbox accepts any values."""
    token = f"demo-{network}-{secrets.token_hex(8)}"
    if network == "youtube":
        return {
            "refresh_token": token,
            "client_id": "100000000000-demo.apps.googleusercontent.com",
            "client_secret": "demo",
        }
    if network == "bluesky":
        # An app password, as a city creates one in Bluesky's settings; hub logs in once and
        # keeps the session it gets.
        return {"handle": "bochum.de", "app_password": "demo-bsky-app-pass"}
    if network == "mastodon":
        # The sandbox serves every instance; the token is the city account's there (_citizens).
        return {"instance": "bochum.social", "access_token": MASTODON_TOKEN, "username": "stadt"}
    if network == "flickr":
        return {
            "api_key": "demo-key",
            "api_secret": "demo-secret",
            "oauth_token": token,
            "oauth_token_secret": "demo",
        }
    return {"access_token": token}


def _whatsapp(facebook: Channel, users: dict[RoleName, User]) -> None:
    """The city's WhatsApp channel: no API serves it, so a person posts by hand. Mona
    (moderation) is responsible; one announcement, due now, waits for her there (its Facebook
    post goes out by itself)."""
    from hub.extensions import db
    from hub.publishing import workflow
    from hub.publishing.compose import AnnouncementInput, VariantInput, save_announcement

    name, external_id = WHATSAPP_CHANNEL
    whatsapp = Channel(
        network="manual",
        name=name,
        external_id=external_id,
        responsible_user=users[RoleName.moderator],
    )
    db.session.add(whatsapp)
    db.session.flush()
    editor = users[RoleName.editor]
    due = save_announcement(
        AnnouncementInput(
            title="Hitzewarnung für Bochum",
            body="Der Deutsche Wetterdienst warnt vor starker Hitze. Trinken Sie ausreichend, "
            "meiden Sie die Mittagssonne und achten Sie auf ältere Nachbarinnen und Nachbarn.",
            link="https://www.bochum.de/hitze",
            channel_ids=[facebook.id, whatsapp.id],
            variants={
                whatsapp.id: VariantInput(
                    body="☀️ *Hitzewarnung für Bochum*\n\nTrinken Sie ausreichend und meiden "
                    "Sie die Mittagssonne. Bitte schauen Sie nach älteren Nachbarinnen und "
                    "Nachbarn."
                )
            },
        ),
        user=editor,
    )
    workflow.submit(due, editor)
    workflow.approve(due, users[RoleName.approver])


def seed(settings: Settings) -> None:
    """Fill an empty database with the practice office. Prints nothing; writes the logins."""
    from hub.auth.passwords import generate_password
    from hub.auth.users import create_user
    from hub.extensions import db
    from hub.models import Channel
    from hub.models.types import utcnow
    from hub.publishing import workflow
    from hub.publishing.compose import AnnouncementInput, VariantInput, save_announcement
    from hub.publishing.media import store_upload

    lines = ["Demo logins (also in this file):"]
    users = {}
    for role, (email, name) in DEMO_USERS.items():
        password = generate_password()  # meets the rule, as every password must
        users[role] = create_user(email, [role.value], password, full_name=name)
        lines.append(f"  {role.value:<10} {email:<36} {password}")
    channels = {}
    for network, name, external_id in DEMO_CHANNELS:
        channel = Channel(
            network=network,
            name=name,
            external_id=external_id,
            credentials=demo_credentials(network),
        )
        db.session.add(channel)
        channels[network] = channel
    db.session.flush()

    editor, approver = users[RoleName.editor], users[RoleName.approver]
    photo = store_upload(
        io.BytesIO(_demo_image("Bochum Total 2026", "#004a99")),
        "bochum-total.jpg",
        settings=settings,
        alt_text="Plakat: Bochum Total 2026, Musikfestival in der Innenstadt",
        credit="Stadt Bochum, Presseamt",
        licence="CC BY 4.0",
        uploaded_by=editor,
    )
    db.session.flush()
    x, fb, ig = channels["x"].id, channels["facebook"].id, channels["instagram"].id

    draft = AnnouncementInput(
        title="Neue Öffnungszeiten Bürgerbüro",
        body="Ab 1. Dezember hat das Bürgerbüro Mitte donnerstags bis 18 Uhr geöffnet.",
        link="https://www.bochum.de/buergerbuero",
        channel_ids=[x, fb],
    )
    save_announcement(draft, user=editor)

    review = save_announcement(
        AnnouncementInput(
            title="Bochum Total 2026",
            body="Vier Tage, über 70 Konzerte: Bochum Total lädt in die Innenstadt ein. "
            "Alle Infos zu Bühnen, Anreise und Barrierefreiheit online.",
            link="https://www.bochum.de/bochum-total",
            channel_ids=[x, fb, ig],
            variants={ig: VariantInput(body="Vier Tage, über 70 Konzerte 🎶 #BochumTotal #Bochum")},
            media_ids=[photo.id],
            scheduled_at=utcnow() + timedelta(days=3),
        ),
        user=editor,
    )
    workflow.submit(review, editor)

    scheduled = save_announcement(
        AnnouncementInput(
            title="Weihnachtsmarkt eröffnet",
            body="Der Bochumer Weihnachtsmarkt öffnet am Donnerstag um 11 Uhr.",
            channel_ids=[x, fb],
            scheduled_at=utcnow() + timedelta(days=1),
        ),
        user=editor,
    )
    workflow.submit(scheduled, editor)
    workflow.approve(scheduled, approver)

    now = save_announcement(
        AnnouncementInput(
            title="Sperrung Kortumstraße",
            body="Wegen Bauarbeiten ist die Kortumstraße zwischen Husemannplatz und "
            "Bongardstraße bis Freitag gesperrt. Umleitung ist ausgeschildert.",
            link="https://www.bochum.de/verkehr",
            channel_ids=[
                x,
                fb,
                channels["mastodon"].id,
                channels["threads"].id,
                channels["bluesky"].id,
            ],
            media_ids=[photo.id],
        ),
        user=editor,
    )
    workflow.submit(now, editor)
    workflow.approve(now, approver)

    # Photos to Instagram and Flickr, a video with subtitles to YouTube: all five networks.
    advent = store_upload(
        io.BytesIO(_demo_image("Rathaus im Advent", "#7a1f2b")),
        "rathaus-advent.jpg",
        settings=settings,
        alt_text="Das Bochumer Rathaus am Abend, mit Lichterketten und einem Tannenbaum",
        credit="Stadt Bochum, Presseamt",
        licence="CC BY-SA 4.0",
        uploaded_by=editor,
    )
    video = store_upload(
        io.BytesIO(sample_mp4(3.0)), "radweg.mp4", settings=settings, uploaded_by=editor
    )
    subtitles = store_upload(
        io.BytesIO(SAMPLE_SUBTITLES), "radweg.vtt", settings=settings, uploaded_by=editor
    )
    db.session.flush()
    flickr, yt = channels["flickr"].id, channels["youtube"].id
    photo_post = save_announcement(
        AnnouncementInput(
            title="Rathaus im Advent",
            body="Das Rathaus leuchtet: Ab heute schmücken Lichterketten den Rathausplatz.",
            channel_ids=[fb, ig, flickr, channels["linkedin"].id],
            variants={
                ig: VariantInput(body="Das Rathaus leuchtet ✨ #Bochum #Advent"),
                flickr: VariantInput(options={"tags": ["Bochum", "Rathaus", "Advent"]}),
            },
            media_ids=[advent.id],
        ),
        user=editor,
    )
    video_post = save_announcement(
        AnnouncementInput(
            title="Neuer Radweg an der Castroper Straße",
            body="Der Radweg an der Castroper Straße ist fertig: 2,4 km, getrennt vom Autoverkehr.",
            channel_ids=[yt],
            variants={
                yt: VariantInput(
                    options={
                        "category": "29",
                        "tags": ["Bochum", "Radweg"],
                        "captions": subtitles.id,
                    }
                )
            },
            media_ids=[video.id],
        ),
        user=editor,
    )
    for announcement in (photo_post, video_post):
        workflow.submit(announcement, editor)
        workflow.approve(announcement, approver)
    _whatsapp(channels["facebook"], users)
    db.session.commit()
    from hub.metrics.history import seed_history  # a month of figures for the dashboard

    seed_history(utcnow(), editor, users[RoleName.moderator], approver)
    lines.append("")
    (settings.data_dir / CREDENTIALS_FILE).write_text("\n".join(lines) + "\n")
    os.chmod(settings.data_dir / CREDENTIALS_FILE, 0o600)
