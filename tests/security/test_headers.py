"""What a logged-in page may leave behind in the browser, and where the language switch may
send it (issue 12, item 9): no page of a logged-in person is kept in a cache (a shared office
PC's back button shows nothing after logout), and the switch never leaves hub. And every answer
of every GET route (the walk of tests/security/routes.py), for strangers and logged-in people,
carries the security headers (issue 12: "headers on every page")."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, login
from tests.security.callers import send
from tests.security.calls import call_for
from tests.security.routes import routes

PAGES = ("/admin/", "/admin/announcements/", "/admin/inbox/", "/admin/channels/")


@pytest.fixture
def admin_client(app, make_user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, make_user("admin", "editor", "moderator").email)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_logged_in_answers_are_never_stored_by_a_cache(admin_client, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    "path", ["/admin/hub-static/admin-actions.js", "/admin/engagement/assets/plotly.min.js"]
)
def test_hub_s_own_code_may_still_be_cached(app, make_user, path: str) -> None:
    client = app.test_client()
    login(client, make_user("admin", "manager").email)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in (response.headers.get("Cache-Control") or "")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\t/evil.example",  # browsers drop tabs and line breaks: "//evil.example"
        "/\n/evil.example",
        "/\\evil.example",  # and read a backslash as a slash
        "https://evil.example/",
    ],
)
def test_the_language_switch_stays_on_hub(admin_client, target: str) -> None:
    page = admin_client.get("/admin/")
    response = admin_client.post(
        "/language", data={"lang": "en", "next": target, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"] in ("/admin/", "http://localhost/admin/"), target


def test_the_language_switch_goes_back_to_the_page(admin_client) -> None:
    page = admin_client.get("/admin/")
    response = admin_client.post(
        "/language",
        data={"lang": "en", "next": "/admin/inbox/?status=new", "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"].endswith("/admin/inbox/?status=new")


# -- every page: the walk of tests/security/routes.py ------------------------------------------

CODE_TYPES = ("text/css", "text/javascript", "application/javascript")
REFERRER_POLICIES = (
    "same-origin",
    "no-referrer",
    "strict-origin",
    "strict-origin-when-cross-origin",
)


def _header_problems(response, personal: bool) -> list[str]:  # type: ignore[no-untyped-def]
    headers = response.headers
    csp = {
        directive.split()[0]: directive.split()[1:]
        for directive in (headers.get("Content-Security-Policy") or "").split(";")
        if directive.strip()
    }
    script = csp.get("script-src", [])
    expected = {
        "CSP default-src 'self'": csp.get("default-src") == ["'self'"],
        "CSP script-src without inline code": bool(script)
        and not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(script),
        "CSP object-src 'none'": csp.get("object-src") == ["'none'"],
        "CSP frame-ancestors 'none'": csp.get("frame-ancestors") == ["'none'"],
        "CSP base-uri 'self'": csp.get("base-uri") == ["'self'"],
        "CSP form-action 'self'": csp.get("form-action") == ["'self'"],
        "X-Frame-Options DENY": headers.get("X-Frame-Options") == "DENY",
        "X-Content-Type-Options nosniff": headers.get("X-Content-Type-Options") == "nosniff",
        "Referrer-Policy": headers.get("Referrer-Policy") in REFERRER_POLICIES,
        "Permissions-Policy": bool(headers.get("Permissions-Policy")),
    }
    if personal:
        expected["Cache-Control no-store"] = "no-store" in (headers.get("Cache-Control") or "")
    return [name for name, present in expected.items() if not present]


def test_every_answer_carries_the_security_headers(app, world, office) -> None:  # type: ignore[no-untyped-def]
    """Every GET route, with real ids, for a stranger and for a person holding every role
    (pages with the session, the API with a token): the CSP, no framing, no sniffing, no
    referrer to other sites; and nothing personal is kept in a cache (hub's own code, the
    same for everyone, may be)."""
    stranger = app.test_client()
    wrong, checked = [], 0
    for route in routes(app):
        if route.method != "GET":
            continue
        call = call_for(route, world, world.everyone)
        answers = [("a stranger", send(stranger, call, None))]
        answers.append(("logged in", office.send_as(world.everyone, route, call)[0]))
        for who, response in answers:
            code = route.endpoint.endswith("static") or response.mimetype in CODE_TYPES
            personal = who == "logged in" and not code
            missing = _header_problems(response, personal)
            checked += 1
            if missing:
                wrong.append(f"{route} for {who} ({response.status_code}): no {', '.join(missing)}")
    assert checked > 100, f"only {checked} answers"
    assert not wrong, "\n".join(wrong)
