"""Single sign-on tests against a real OpenID provider: panva's certified ``oidc-provider``
(tests/oidc, installed by scripts/setup.sh with ``npm ci``), run with the machine's Node.js.

Each xdist worker starts one provider for its session, with one client whose redirect URI is
``HUB_URL``'s callback; hub's ``HUB_PUBLIC_URL`` is that address (the browser tests serve the
app there). The provider reads the people it knows from a JSON file at every request: a test
gives someone other groups or removes them by rewriting it (``CityIdP.put``/``remove``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from hub.config import Settings
from tests.conftest import make_settings, service_missing
from tests.support import free_port, wait_until

OIDC_DIR = Path(__file__).resolve().parents[2] / "oidc"
CLIENT_ID = "hub"
CLIENT_SECRET = "city-client-secret-for-tests"
IDP_PASSWORD = "idp-password"
ROLE_MAP = (
    ("presse-redaktion", "editor"),
    ("presse-freigabe", "approver"),
    ("presse-leitung", "editor"),
    ("presse-leitung", "approver"),
    ("it-admins", "admin"),
)
FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')


@dataclass
class CityIdP:
    """The running provider, and the people it knows."""

    issuer: str
    hub_url: str
    accounts_file: Path
    log_file: Path
    people: dict[str, dict[str, Any]] = field(default_factory=dict)

    def put(
        self,
        login: str,
        *groups: str,
        email: str | None = None,
        email_verified: bool = True,
        name: str | None = None,
        amr: list[str] | None = None,
    ) -> dict[str, Any]:
        """Add or change a person (their ``sub`` stays the same)."""
        person = {
            "sub": self.people.get(login, {}).get("sub") or f"sub-{login}-{os.urandom(4).hex()}",
            "password": IDP_PASSWORD,
            "email": email or f"{login}@bochum.example",
            "email_verified": email_verified,
            "name": name or login.title(),
            "groups": list(groups),
            "amr": amr or ["pwd"],
        }
        self.people[login] = person
        self._write()
        return person

    def remove(self, login: str) -> None:
        del self.people[login]
        self._write()

    def reset(self) -> None:
        self.people.clear()
        self._write()

    def _write(self) -> None:
        # Written aside and renamed: the provider never reads half a file.
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.people))
        tmp.replace(self.accounts_file)


def start_idp(
    workdir: Path, hub_url: str, *, claims_in_id_token: bool = False
) -> tuple[CityIdP, subprocess.Popen[bytes]]:
    node = shutil.which("node")
    if node is None or not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        service_missing(
            "The OpenID provider (Node.js and tests/oidc/node_modules)",
            FileNotFoundError("install Node.js, then: npm ci --prefix tests/oidc"),
        )
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    idp = CityIdP(
        issuer=f"http://127.0.0.1:{port}",
        hub_url=hub_url,
        accounts_file=workdir / "accounts.json",
        log_file=workdir / "provider.log",
    )
    idp.reset()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": f"{hub_url}/login/sso/callback",
        "OIDC_ACCOUNTS_FILE": str(idp.accounts_file),
        "OIDC_CLAIMS_IN_ID_TOKEN": "1" if claims_in_id_token else "",
        "OIDC_STOP_WITH_STDIN": "1",  # a test process that dies takes the provider with it
    }
    with idp.log_file.open("wb") as log:
        process = subprocess.Popen(
            [node, str(OIDC_DIR / "server.mjs")],
            cwd=OIDC_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def answering() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the provider stopped: {idp.log_file.read_text()}")
        try:
            url = f"{idp.issuer}/.well-known/openid-configuration"
            return requests.get(url, timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(answering, timeout=30, what="the OpenID provider's discovery document")
    except BaseException:
        stop(process)
        raise
    return idp, process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.stdin is not None:
        process.stdin.close()
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def hub_url() -> str:
    """Where hub is reached in these tests (its public URL, the client's redirect URI's host)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def _city_idp(tmp_path_factory: pytest.TempPathFactory, hub_url: str) -> Iterator[CityIdP]:
    idp, process = start_idp(tmp_path_factory.mktemp("oidc"), hub_url)
    try:
        yield idp
    finally:
        stop(process)


@pytest.fixture
def city_idp(_city_idp: CityIdP) -> Iterator[CityIdP]:
    """The city's identity provider, knowing nobody at the start of each test."""
    _city_idp.reset()
    yield _city_idp
    _city_idp.reset()


def sso_settings(tmp_path: Path, database_url: str, idp: CityIdP, **overrides: Any) -> Settings:
    overrides.setdefault("oidc_role_map", ROLE_MAP)
    return make_settings(
        tmp_path,
        database_url,
        public_url=idp.hub_url,
        oidc_issuer=idp.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        **overrides,
    )


@pytest.fixture
def settings(tmp_path: Path, database_url: str, city_idp: CityIdP) -> Settings:
    return sso_settings(tmp_path, database_url, city_idp)


def idp_login(authorize_url: str, login: str, password: str = IDP_PASSWORD, *, browser=None):  # type: ignore[no-untyped-def]
    """Log in at the provider as a browser would (``requests``, following its redirects), from
    hub's redirect to the provider up to the redirect back to hub. Returns the last answer:
    the redirect to hub's callback (its ``Location``), or the provider's page that refused.
    ``browser`` keeps the provider's cookies (its own login session) between calls."""
    browser = browser or requests.Session()
    answer = _follow(browser, browser.get(authorize_url, allow_redirects=False, timeout=10))
    if answer.is_redirect:  # still logged in at the provider: straight back to hub
        return answer
    match = FORM_ACTION.search(answer.text)
    assert match, answer.text[:500]
    answer = browser.post(
        urljoin(answer.url, match.group(1)),
        data={"login": login, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    return _follow(browser, answer)


def sso_login(client, login: str, *, browser=None, start: str = "/login/sso"):  # type: ignore[no-untyped-def]
    """The whole single sign-on with hub's test ``client``: hub's start, the provider's login,
    hub's callback. Returns hub's answer to the callback."""
    started = client.get(start)
    assert started.status_code == 302, started.text[:500]
    return client.get(callback_path(idp_login(started.headers["Location"], login, browser=browser)))


def _follow(browser: requests.Session, answer: requests.Response) -> requests.Response:
    """Follow the provider's redirects, stopping at the first one that leaves it."""
    issuer = f"{urlsplit(answer.url).scheme}://{urlsplit(answer.url).netloc}"
    while answer.is_redirect:
        target = urljoin(answer.url, answer.headers["Location"])
        if not target.startswith(issuer):
            return answer
        answer = browser.get(target, allow_redirects=False, timeout=10)
    return answer


def callback_path(answer: requests.Response) -> str:
    """The path and query of hub's callback that the provider redirected to."""
    assert answer.is_redirect, answer.text[:500]
    parts = urlsplit(answer.headers["Location"])
    assert parts.path == "/login/sso/callback", answer.headers["Location"]
    return f"{parts.path}?{parts.query}"
