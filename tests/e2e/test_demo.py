"""``hub demo`` as a user starts it: web, worker, beat and sandbox; the approved announcements
go out on all five networks of the sandbox within seconds, and stopping it stops every child."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

from hub.models.channel import Network
from tests.support import free_port, wait_until


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def _published(db_path: Path) -> list[tuple[str, str]]:
    if not db_path.exists():
        return []
    try:
        with sqlite3.connect(db_path, timeout=5) as conn:
            return conn.execute(
                "SELECT c.network, d.url FROM delivery d JOIN channel c ON c.id = d.channel_id "
                "WHERE d.state = 'published' AND d.remote_id IS NOT NULL"
            ).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []


def _children(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return {int(p) for p in out.stdout.split()}


def test_demo_publishes_to_the_sandbox_and_stops_cleanly(tmp_path: Path) -> None:
    port, sandbox_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path / "demo")
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli",
            "demo",
            "--port",
            str(port),
            "--sandbox-port",
            str(sandbox_port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(lambda: _up(f"http://127.0.0.1:{port}/login"), timeout=60, what="web app")
        database = tmp_path / "demo" / "hub.db"

        # Every network hub posts to by itself; a manual channel's post waits for a person.
        every_network = {network.value for network in Network} - {Network.manual.value}

        def all_networks() -> list[tuple[str, str]] | None:
            rows = _published(database)
            return rows if every_network <= {network for network, _ in rows} else None

        published = wait_until(
            all_networks, timeout=120, what="the demo's posts published on every network"
        )
        assert all(url.startswith("https://") for n, url in published if n != "manual")
        credentials = (tmp_path / "demo" / "demo-credentials.txt").read_text()
        for role in ("editor", "approver", "moderator", "manager", "admin"):
            assert role in credentials
        assert "redaktion@demo.bochum.example" in (tmp_path / "demo.log").read_text()

        # "Connect X account" in the demo signs in as the demo's own X account (its consent
        # page offers the city's accounts), so connecting it renews the channel.
        def own_x_account() -> bool:
            sandbox = f"http://127.0.0.1:{sandbox_port}/_sandbox/accounts?network=x"
            with urllib.request.urlopen(sandbox, timeout=2) as response:
                accounts = json.load(response)
            return any(a["id"] == "1234567890" and a["name"] == "@bochum" for a in accounts)

        wait_until(own_x_account, timeout=30, what="the demo's X account in the sandbox")
        children = _children(demo.pid)
        assert len(children) >= 2  # the sandbox and the worker (with beat)
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=30)
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in children),
        timeout=30,
        what="children stopped",
    )
