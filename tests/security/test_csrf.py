"""No change without the page's CSRF token (issue 12): every state-changing route outside the
API (which takes bearer tokens, never cookies) refuses a request without the token, or with
another session's token, says so in hub's words, and leaves the database as it was; the same
request with the token goes through.

Each route is sent as a person allowed to use it, with a body that changes a row
(tests/security/calls.py), so "nothing changed" is checked against a request that would
otherwise have changed something.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from werkzeug.test import TestResponse

from hub.web import CSRF_REFUSED
from tests.conftest import csrf_from
from tests.security.callers import Office, changed_tables, database_state, flashed, send
from tests.security.calls import call_for
from tests.security.routes import CSRF_EXEMPT, routes
from tests.security.world import World


def _refused(response: TestResponse) -> bool:
    return response.status_code == 400 and str(CSRF_REFUSED) in response.text


def test_every_form_refuses_a_request_without_its_token(
    app: Flask, world: World, office: Office, english: None
) -> None:
    someone_elses = csrf_from(app.test_client().get("/login").text)
    checked, wrong = 0, []
    for route in routes(app):
        if not route.writes or route.is_api or route.endpoint in CSRF_EXEMPT:
            continue
        call = call_for(route, world, world.everyone)
        client, token, _sender = office.client_for(call, world.everyone)
        before = database_state()
        for attempt, sent in (("no token", None), ("another session's token", someone_elses)):
            response = send(client, call, sent)
            if not _refused(response):
                wrong.append(
                    f"{route} with {attempt}: {response.status_code} {response.text[:200]!r}"
                )
        changed = changed_tables(before, database_state())
        if changed:
            wrong.append(f"{route}: refused, but changed {changed}")
        response = send(client, call, token)
        if _refused(response):
            wrong.append(f"{route}: refused with a valid token")
        elif call.changes and not changed_tables(before, database_state()):
            said = flashed(client)
            wrong.append(
                f"{route}: with its token, nothing changed ({response.status_code}; {said})"
            )
        checked += 1
    assert checked > 50, f"only {checked} forms found"
    assert not wrong, "\n".join(wrong)


def test_the_refusal_is_in_the_person_s_language(app: Flask, world: World, office: Office) -> None:
    """German unless chosen otherwise: a press officer reads why nothing was saved; a page's
    own script (the inbox's "still viewing") gets the same sentence as JSON."""
    with force_locale("de"):
        german = str(CSRF_REFUSED)
    client = office.client(world.everyone)
    response = client.post("/admin/hold/start", data={"reason": "Unwetter"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert german in response.text and 'lang="de"' in response.text
    json_answer = client.post(f"/admin/inbox/{world.comment().id}/presence", json={})
    assert json_answer.status_code == 400 and json_answer.get_json() == {"error": german}
