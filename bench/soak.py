"""Benchmark: the embedded stack under demo traffic for half an hour; does it hold?

Starts ``hub demo`` (the web app, a worker with beat, the sandbox: the processes ``hub serve``
runs, on SQLite and the embedded broker) in a temporary data dir and works it through the REST
API as an office would: every ``--every`` seconds an editor writes an announcement (text to X
and Facebook; every third a photo to Facebook, Instagram and Flickr) and an approver approves
it; the sandbox's citizens comment (``--comments-per-minute``); a moderator answers up to
``--replies`` new comments each round; the demo's beat collects figures. Then it waits up to
``--grace`` seconds for the last posts and replies and reports:

- worker restarts (the supervisor's log: "worker exited with ...; restart N"), reach 0;
- lost work: deliveries never published, replies never sent, comments on the sandbox missing
  from the inbox; and how many went out only after a hint was sent again (more than 30 s late:
  the broker lost the first one and the dispatcher made up for it);
- memory per process (RSS after the first minute and at the end) and CPU per process.

    python bench/soak.py --minutes 30
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from processes import children, command_line, cpu_seconds, rss_mb  # noqa: E402

from hub import create_app  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.demo import DEMO_USERS  # noqa: E402
from hub.models import Announcement, Channel, Delivery, RoleName  # noqa: E402
from hub.models.comment import Comment, ModerationAction  # noqa: E402
from hub.models.metrics import MetricSnapshot  # noqa: E402
from hub.models.types import utcnow  # noqa: E402
from hub.sandbox.client import SandboxControl  # noqa: E402
from hub.serving import child_name  # noqa: E402

UNDECIDED = {"pending", "queued", "sending", "retry_wait"}  # no outcome yet
LATE = timedelta(seconds=30)  # a hint the broker delivered is worked on within seconds
RESTART = re.compile(r"(\w+) exited with (-?\d+); restart (\d+)")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Demo:
    """``hub demo`` running in ``data_dir``, its output in ``log``."""

    data_dir: Path
    log: Path
    port: int = field(default_factory=free_port)
    sandbox_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        return {**env, "HUB_DATA_DIR": str(self.data_dir), "HUB_REQUIRE_2FA_ROLES": ""}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "hub.cli", "demo", "--port", str(self.port)]
        command += ["--sandbox-port", str(self.sandbox_port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"hub demo did not come up:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.5)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def token(self, email: str, *scopes: str) -> str:
        args = [sys.executable, "-m", "hub.cli", "token", "create", email, "--name", "soak"]
        for scope in scopes:
            args += ["--scope", scope]
        out = subprocess.run(args, env=self.env, capture_output=True, text=True, check=True)
        return next(w for w in out.stdout.split() if w.startswith("hub_"))

    def processes(self) -> dict[str, int]:
        """The stack's processes by job: web (the demo itself), worker, beat, sandbox."""
        assert self.process is not None
        found = {"web": self.process.pid}
        for pid in children(self.process.pid):
            name = child_name(command_line(pid))
            found[name] = pid
            if name == "worker":
                for beat in children(pid):  # `worker -B` runs beat as its child
                    found["beat"] = beat
        return found

    def restarts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, _code, number in RESTART.findall(self.log.read_text(errors="replace")):
            counts[name] = max(counts.get(name, 0), int(number))
        return counts


class Api:
    """One person's calls to hub's REST API with their token."""

    def __init__(self, base: str, token: str) -> None:
        self.base = f"{base}/api/v1"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()


def photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1080, 1080), "#2a6f3f").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@dataclass
class Office:
    """The editor, the approver and the moderator at work through the API."""

    editor: Api
    approver: Api
    moderator: Api
    channels: dict[str, int]
    photo_id: int
    announcements: list[int] = field(default_factory=list)
    replied: set[int] = field(default_factory=set)
    failed_calls: int = 0

    def announce(self, n: int) -> None:
        with_photo = n % 3 == 2
        networks = ("facebook", "instagram", "flickr") if with_photo else ("x", "facebook")
        stamp = time.strftime("%H:%M:%S")
        created = self.editor.call(
            "POST",
            "/announcements",
            json={
                "title": f"Soak {n}",
                "body": f"Meldung {n} der Stadt Bochum ({stamp}): Dauerlauf des Hubs.",
                "channels": [self.channels[name] for name in networks],
                "media": [self.photo_id] if with_photo else [],
            },
        )
        path = f"/announcements/{created['id']}"
        submitted = self.editor.call("POST", f"{path}/submit", json={})
        self.approver.call("POST", f"{path}/approve", json={"version": submitted["version"]})
        self.announcements.append(created["id"])

    def answer(self, replies: int) -> None:
        items = self.moderator.call("GET", "/inbox", params={"limit": 50})["items"]
        for item in [i for i in items if i["id"] not in self.replied][:replies]:
            self.moderator.call(
                "POST",
                f"/inbox/{item['id']}/reply",
                # X refuses a text it has seen before: every answer its own.
                json={"text": f"Danke für Ihre Nachricht ({item['id']}), wir melden uns!"},
                headers={"Idempotency-Key": f"soak-{item['id']}"},
            )
            self.replied.add(item["id"])

    def round(self, n: int, replies: int) -> None:
        for step in (lambda: self.announce(n), lambda: self.answer(replies)):
            try:
                step()
            except requests.RequestException as exc:
                self.failed_calls += 1
                print(f"  an API call failed: {exc}", flush=True)


@dataclass(frozen=True)
class Outcome:
    deliveries: int
    undecided: int  # deliveries and replies still on their way
    published: int
    published_late: int
    replies: int
    replies_sent: int
    replies_late: int
    comments_on_sandbox: int
    comments_missing: list[tuple[str, str]]
    snapshots: int


def start_office(demo: Demo) -> Office:
    emails = {role: email for role, (email, _name) in DEMO_USERS.items()}
    editor = Api(demo.url, demo.token(emails[RoleName.editor]))
    approver = Api(demo.url, demo.token(emails[RoleName.approver]))
    moderator = Api(demo.url, demo.token(emails[RoleName.moderator], "inbox"))
    channels = {c["network"]: c["id"] for c in editor.call("GET", "/channels")}
    uploaded = editor.call(
        "POST",
        "/media",
        files={"file": ("park.jpg", photo(), "image/jpeg")},
        data={"alt_text": "Ein grüner Park in Bochum"},
    )
    return Office(editor, approver, moderator, channels, uploaded["id"])


def outcome(app: Flask, office: Office, control: SandboxControl, since: datetime) -> Outcome:
    """What became of the office's work, read from the demo's database and the sandbox."""
    from hub.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(Delivery.state, Delivery.published_at, Announcement.approved_at)
            .join(Announcement)
            .where(Announcement.id.in_(office.announcements))
        ).all()
        actions = db.session.execute(
            select(ModerationAction.state, ModerationAction.created_at, ModerationAction.done_at)
        ).all()
        synced = set(db.session.execute(select(Channel.network, Comment.remote_id).join(Channel)))
        snapshots = db.session.scalar(
            select(func.count())
            .select_from(MetricSnapshot)
            .where(MetricSnapshot.collected_at >= since)
        )
        db.session.remove()
    on_sandbox = {(c["network"], str(c["remote_id"])) for c in control.comments()}
    published = [r for r in rows if r.state == "published"]
    done = [a for a in actions if a.state == "done"]
    return Outcome(
        deliveries=len(rows),
        undecided=sum(1 for r in [*rows, *actions] if r.state in UNDECIDED),
        published=len(published),
        published_late=sum(1 for r in published if r.published_at - r.approved_at > LATE),
        replies=len(actions),
        replies_sent=len(done),
        replies_late=sum(1 for a in done if a.done_at - a.created_at > LATE),
        comments_on_sandbox=len(on_sandbox),
        comments_missing=sorted(on_sandbox - synced),
        snapshots=snapshots or 0,
    )


def wait_for_the_last(
    app: Flask, office: Office, control: SandboxControl, since: datetime, grace: float
) -> Outcome:
    """The outcome once every delivery and reply has one and the inbox has every comment, or
    after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        result = outcome(app, office, control, since)
        if time.monotonic() > deadline or not (result.undecided or result.comments_missing):
            return result
        time.sleep(2)


Sample = dict[str, tuple[int, float, float]]  # job -> pid, RSS MiB, CPU seconds


def sample(demo: Demo) -> Sample:
    return {job: (pid, rss_mb(pid), cpu_seconds(pid)) for job, pid in demo.processes().items()}


def soak(args: argparse.Namespace, folder: Path) -> str:
    """Run the demo under traffic; the report."""
    demo = Demo(folder / "demo", folder / "demo.log")
    demo.start()
    try:
        app = create_app(Settings.from_env(demo.env))
        control = SandboxControl(f"http://127.0.0.1:{demo.sandbox_port}")
        office = start_office(demo)
        control.citizens(args.comments_per_minute)
        since = utcnow()
        started = time.monotonic()
        end = started + args.minutes * 60
        warm: Sample = {}
        warm_at = started
        rounds = 0
        while time.monotonic() < end:
            office.round(rounds, args.replies)
            rounds += 1
            # Memory from the end of the first minute on: by then every process has loaded
            # what it needs, so what it gains afterwards is growth.
            if not warm and time.monotonic() - started >= min(60, args.minutes * 30):
                warm, warm_at = sample(demo), time.monotonic()
            time.sleep(max(0.0, min(args.every, end - time.monotonic())))
        control.citizens(0)
        result = wait_for_the_last(app, office, control, since, args.grace)
        final = sample(demo)
        span = time.monotonic() - warm_at
        restarts = demo.restarts()
        log_text = demo.log.read_text(errors="replace")
    finally:
        demo.stop()

    r = result
    lost = r.deliveries - r.published + r.replies - r.replies_sent + len(r.comments_missing)
    worker_restarts = restarts.get("worker", 0)
    lines = [
        f"soak: {args.minutes:g} min of demo traffic on the embedded stack (hub demo: SQLite, "
        f"the file-system broker), {rounds} rounds, {office.failed_calls} failed API calls",
        f"deliveries {r.deliveries}: published {r.published}, "
        f"not published {r.deliveries - r.published}, "
        f"published after a re-sent hint (> {LATE.seconds} s) {r.published_late}",
        f"replies {r.replies}: sent {r.replies_sent}, not sent {r.replies - r.replies_sent}, "
        f"late {r.replies_late}",
        f"citizens' comments on the sandbox {r.comments_on_sandbox}, missing from the inbox "
        f"{len(r.comments_missing)}{f' (e.g. {r.comments_missing[:3]})' if lost else ''}; "
        f"figures collected {r.snapshots}",
        f"restarts: worker {worker_restarts}, sandbox {restarts.get('sandbox', 0)}; "
        f"'Unrecoverable error' {log_text.count('Unrecoverable error')}, "
        f"unreadable broker files set aside {log_text.count('could not be read')}",
        f"processes after warm-up -> end ({span / 60:.1f} min):",
    ]
    for job, (pid, rss, cpu) in final.items():
        before = warm.get(job)
        if before and before[0] == pid:
            lines.append(
                f"  {job:<8} RSS {before[1]:6.1f} -> {rss:6.1f} MiB ({rss - before[1]:+.1f}), "
                f"CPU {(cpu - before[2]) / span:.1%} of a core"
            )
        else:
            lines.append(f"  {job:<8} RSS {rss:6.1f} MiB (started again during the run)")
    reached = worker_restarts == 0 and lost == 0
    lines.append(
        f"reach: worker restarts {worker_restarts} (0), lost {lost} (0) -> "
        f"{'yes' if reached else 'NO'}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=20.0, help="seconds between rounds")
    parser.add_argument("--comments-per-minute", type=float, default=12.0)
    parser.add_argument("--replies", type=int, default=2, help="answers per round")
    parser.add_argument("--grace", type=float, default=180.0)
    parser.add_argument("--keep", type=Path, help="keep the data dir and the log here")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        print(soak(args, args.keep))
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(soak(args, Path(tmp)))


if __name__ == "__main__":
    main()
