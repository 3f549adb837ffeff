"""The production stack as deploy/ writes it, run here for real.

The commands come from deploy/compose.yaml (the image's ENTRYPOINT plus each service's
command; tests/unit/test_deploy_files.py holds the systemd units to the same commands), the
settings from deploy/hub.env.example and the compose file's environment, and Debian's Caddy runs
deploy/Caddyfile in front. Only what a container engine would give differs: a throwaway
PostgreSQL database, a private Redis, local ports, Caddy's own CA (``tls internal``) and the
sandbox instead of the networks. No image is built (no container engine on this machine).

A browser at another loopback address (127.0.0.5) logs in through the proxy; hub must see that
address, not the proxy's, nor what the browser claims in X-Forwarded-For.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from hub import create_app
from hub.config import Settings
from hub.extensions import db
from tests import deploy_files
from tests.conftest import PASSWORD, csrf_from, drop_pg_database, run_suffix, service_missing
from tests.e2e.conftest import FAST, Stack, _fresh_pg
from tests.support import free_port, private_redis, wait_until

pytestmark = pytest.mark.e2e

BROWSER = "127.0.0.5"  # the client's address; Caddy and hub talk over 127.0.0.1
SPOOFED = "198.51.100.7"  # what the client claims in X-Forwarded-For
DOMAIN = "127.0.0.1"  # HUB_DOMAIN: Caddy's own CA certifies an address as well as a name


class FromBrowser(HTTPAdapter):
    """Connections leave from :data:`BROWSER`, so the proxy's address and the client's differ."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (BROWSER, 0)
        super().init_poolmanager(*args, **kwargs)


def _hub_command(service: dict[str, Any]) -> list[str]:
    entrypoint = deploy_files.image().entrypoint
    hub = shutil.which(entrypoint[0], path=str(Path(sys.executable).parent))
    assert hub, f"{entrypoint[0]} is not installed next to {sys.executable}"
    return [hub, *entrypoint[1:], *service["command"]]


def _caddy_command(proxy: dict[str, Any]) -> list[str]:
    """The proxy service's command, its Caddyfile mounted from deploy/ read from there."""
    mounts = {}
    for volume in proxy["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = str(deploy_files.DEPLOY / source[2:])
    return [mounts.get(arg, arg) for arg in proxy["command"]]


@pytest.fixture
def database_url() -> Iterator[str]:
    name = f"hub_deploy_{run_suffix()}"
    url = _fresh_pg(name)
    yield url
    drop_pg_database(name)


def test_the_stack_from_deploy_serves_through_caddy_and_publishes_once(
    tmp_path: Path, database_url: str, sandbox_url: str
) -> None:
    if shutil.which("caddy") is None:
        service_missing("Caddy (Debian's caddy, installed by scripts/setup.sh)", OSError("caddy"))
    web_port, http_port, https_port = free_port(), free_port(), free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    with private_redis() as redis_server:
        env = _environment(tmp_path / "data")
        # What a container engine and the admin would provide, here.
        env.update(FAST)
        env.update(
            HUB_DATABASE_URL=database_url,
            HUB_BROKER_URL=redis_server.url,
            HUB_SANDBOX_URL=sandbox_url,
            HUB_WEB_BIND=f"127.0.0.1:{web_port}",
            HUB_WEB_WORKERS="2",
            HUB_REQUIRE_2FA_ROLES="",  # the approver logs in with a password only
        )
        stack = Stack("deploy", env, logs)
        try:
            running = _start_hub(stack, tmp_path / "notify.sock", web_port)
            root_ca = _start_caddy(stack, tmp_path / "caddy", web_port, http_port, https_port)
            browser = _browser(root_ca)
            site = f"https://{DOMAIN}:{https_port}"
            _check_the_way_in(browser, site, f"http://{DOMAIN}:{http_port}")
            _log_in_approve_and_publish(stack, browser, site)
            _stop_cleanly(stack, running)
        except BaseException:
            print(stack.log_tail(80))
            raise
        finally:
            stack.stop_all()


def _environment(data_dir: Path) -> dict[str, str]:
    """The image's ENV, the env file and the compose file's environment for the hub services."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "NOTIFY_"))}
    env.update({k: v for k, v in deploy_files.image().env.items() if k != "PATH"})
    settings_file = deploy_files.env_file()
    env.update(settings_file)
    variables = {**settings_file, "HUB_DOMAIN": DOMAIN, "POSTGRES_PASSWORD": "unused"}
    for key, value in deploy_files.hub_services()["web"]["environment"].items():
        env[key] = deploy_files.interpolate(str(value), variables)
    assert env["HUB_PUBLIC_URL"] == f"https://{DOMAIN}"
    assert env["HUB_TRUSTED_PROXIES"] == "1"
    env["HUB_DATA_DIR"] = str(data_dir)  # the image's volume
    return env


def _start(stack: Stack, name: str, command: list[str], **env: str) -> subprocess.Popen[bytes]:
    log = (stack.logs / f"{name}.log").open("ab")
    process = subprocess.Popen(
        command,
        env={**stack.env, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    stack.processes.append(process)
    return process


def _start_hub(
    stack: Stack, notify_path: Path, web_port: int
) -> dict[str, subprocess.Popen[bytes]]:
    """init, then every other hub service of the compose file; gunicorn must say READY=1."""
    services = deploy_files.hub_services()
    # compose: the others wait for init (service_completed_successfully).
    init = _start(stack, "init", _hub_command(services["init"]))
    assert init.wait(timeout=120) == 0, "hub init failed"
    # hub-web.service is Type=notify: systemd waits for gunicorn's READY=1 on this socket.
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(90)
        running = {
            name: _start(
                stack,
                name,
                _hub_command(service),
                **({"NOTIFY_SOCKET": str(notify_path)} if name == "web" else {}),
            )
            for name, service in services.items()
            if name != "init"
        }
        assert b"READY=1" in notify.recv(4096)
    # The image's HEALTHCHECK, aimed at this web process.
    check = [
        sys.executable if arg == "python" else arg.replace(":8000/", f":{web_port}/")
        for arg in deploy_files.image().healthcheck
    ]
    wait_until(
        lambda: (
            subprocess.run(check, env=stack.env, capture_output=True, timeout=30).returncode == 0
        ),
        timeout=90,
        interval=0.5,
        what="the image's health check",
    )
    return running


def _start_caddy(stack: Stack, home: Path, web_port: int, http_port: int, https_port: int) -> Path:
    """The compose file's proxy, with deploy/Caddyfile, on local ports with Caddy's own CA;
    returns that CA's root certificate."""
    proxy = deploy_files.compose()["services"]["proxy"]
    env = {
        k: deploy_files.interpolate(str(v), {"HUB_DOMAIN": DOMAIN})
        for k, v in proxy["environment"].items()
    }
    env.update(
        HUB_UPSTREAM=f"127.0.0.1:{web_port}",  # compose: web:8000
        CADDY_TLS="tls internal",
        CADDY_GLOBAL_OPTIONS="\n".join(
            [
                "admin off",
                f"http_port {http_port}",
                f"https_port {https_port}",
                "skip_install_trust",
                f"storage file_system {home}",
            ]
        ),
        HOME=str(home),
        XDG_DATA_HOME=str(home),
        XDG_CONFIG_HOME=str(home),
    )
    _start(stack, "caddy", _caddy_command(proxy), **env)
    root_ca = home / "pki" / "authorities" / "local" / "root.crt"
    wait_until(root_ca.exists, timeout=60, what="Caddy's local CA")
    return root_ca


def _browser(root_ca: Path) -> requests.Session:
    browser = requests.Session()
    browser.mount("https://", FromBrowser())
    browser.mount("http://", FromBrowser())
    browser.verify = str(root_ca)
    browser.trust_env = False  # no proxy, and no REQUESTS_CA_BUNDLE overriding Caddy's CA
    return browser


def _ok(browser: requests.Session, url: str) -> requests.Response | None:
    try:
        response = browser.get(url, timeout=5)
    except requests.RequestException:
        return None
    return response if response.status_code == 200 else None


def _check_the_way_in(browser: requests.Session, site: str, plain_site: str) -> None:
    """HTTPS through Caddy with HSTS; plain HTTP sent to HTTPS; /readyz once beat ran."""
    health = wait_until(lambda: _ok(browser, site + "/healthz"), timeout=60, what="/healthz")
    assert health.json() == {"status": "ok"}
    assert "max-age=" in health.headers["Strict-Transport-Security"]
    plain = browser.get(plain_site + "/healthz", allow_redirects=False, timeout=5)
    assert plain.status_code in (301, 308) and plain.headers["Location"].startswith("https://")
    ready = wait_until(lambda: _ok(browser, site + "/readyz"), timeout=60, what="/readyz")
    assert ready.json()["status"] == "ok"


def _log_in_approve_and_publish(stack: Stack, browser: requests.Session, site: str) -> None:
    from hub.auth.tokens import issue_token
    from hub.auth.users import create_user
    from hub.models import Announcement, AuditEvent, Channel, DeliveryState
    from hub.publishing import workflow
    from hub.publishing.compose import AnnouncementInput, save_announcement
    from hub.sandbox.client import SandboxControl

    app = create_app(Settings.from_env(stack.env), {"TESTING": True})
    with app.app_context():
        # What an admin and an editor would have done: a channel, two people, an announcement.
        editor = create_user("editor@bochum.example", ("editor",), PASSWORD)
        approver = create_user("approver@bochum.example", ("approver",), PASSWORD)
        channel = Channel(
            network="x",
            name="Stadt Bochum (x)",
            external_id="4711",
            credentials={"access_token": "sandbox-token"},
        )
        db.session.add(channel)
        db.session.commit()
        text = "Wochenmarkt auf dem Husemannplatz ab 8 Uhr"
        ann = save_announcement(
            AnnouncementInput(title="Markt", body=text, channel_ids=[channel.id]), user=editor
        )
        workflow.submit(ann, editor)
        _, token = issue_token(approver, "deploy test")
        db.session.commit()
        ann_id, version, approver_id = ann.id, ann.version, approver.id

        # The approver logs in through the proxy: a Secure cookie, and hub sees the browser.
        page = browser.get(site + "/login", timeout=30)
        assert page.status_code == 200
        cookies = page.raw.headers.getlist("Set-Cookie")
        assert cookies and all("Secure" in c for c in cookies), cookies
        login = browser.post(
            site + "/login",
            data={
                "email": approver.email,
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
            },
            # Over HTTPS, CSRF protection wants the page's own address as the Referer.
            headers={"X-Forwarded-For": SPOOFED, "Referer": f"{site}/login"},
            allow_redirects=False,
            timeout=30,
        )
        assert login.status_code in (302, 303), login.text[:500]
        db.session.expire_all()
        seen = db.session.scalars(
            select(AuditEvent.ip).where(
                AuditEvent.action == "login", AuditEvent.actor_id == approver_id
            )
        ).all()
        assert seen == [BROWSER]

        # Approved for now, through the proxy and the API; a worker publishes it, once.
        approved = browser.post(
            f"{site}/api/v1/announcements/{ann_id}/approve",
            json={"version": version},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert approved.status_code == 200, approved.text[:500]

        def published() -> bool:
            db.session.expire_all()
            deliveries = db.session.get(Announcement, ann_id).deliveries
            return bool(deliveries) and all(d.state == DeliveryState.published for d in deliveries)

        wait_until(published, timeout=60, what="the announcement published by the worker")
        sandbox = SandboxControl(stack.env["HUB_SANDBOX_URL"])
        assert len([p for p in sandbox.posts("x") if text in p["text"]]) == 1
        db.session.remove()
        db.engine.dispose()


def _stop_cleanly(stack: Stack, running: dict[str, subprocess.Popen[bytes]]) -> None:
    """SIGTERM to each main process, as systemd (KillMode=mixed) and compose (init: true) send
    it: each ends cleanly. Then web's log: JSON lines (HUB_LOG_FORMAT=json in the env file),
    the access log naming the browser, not the proxy."""
    for process in running.values():
        process.send_signal(signal.SIGTERM)
    for name, process in running.items():
        assert process.wait(timeout=60) == 0, f"{name} exited with {process.returncode}"
    lines = (stack.logs / "web.log").read_text().splitlines()
    records = [json.loads(line) for line in lines if line.strip()]
    access = [r["message"] for r in records if r["logger"] == "gunicorn.access"]
    assert any(m.startswith(f'{BROWSER} "POST /login') for m in access), access[-5:]


def test_hub_web_refuses_to_start_before_hub_init(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path)  # an empty SQLite database
    command = _hub_command(deploy_files.hub_services()["web"])
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Run 'hub init'" in result.stderr
