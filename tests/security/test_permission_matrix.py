"""The permission matrix, route by route, both ways (issue 12): every person holding a
route's permission gets in, everybody else is refused, on the pages and in the API.

The matrix is data (tests/security/routes.py, from hub/auth/permissions.py's MATRIX); each
person holds one role only (and one holds none). Writes go with a valid CSRF token and a real
body (tests/security/calls.py), so a refusal is the permission's, not the token's or the
form's, and a refused write must leave the database as it was.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.test import TestResponse

from hub.auth.permissions import MATRIX, can
from hub.models import RoleName, User
from tests.security.callers import Office, changed_tables, database_state, flashed
from tests.security.calls import call_for
from tests.security.routes import (
    ACCESS,
    DOMAIN_REFUSALS,
    LOGGED_IN,
    LOGIN_STEPS,
    WHERE,
    Route,
    is_public,
    routes,
)
from tests.security.world import PEOPLE, World


def _matrix_problems() -> list[str]:
    """The table and hub/auth/permissions.py speak of the same permissions and roles."""
    problems = []
    if not {role.value for role in RoleName} <= set(PEOPLE):
        problems.append("a role of RoleName has nobody in tests/security/world.py's PEOPLE")
    guarded = {p for p in ACCESS.values() if p is not LOGGED_IN}
    problems += [
        f"{permission}: in MATRIX but guards no route in tests/security/routes.py"
        for permission in sorted(set(MATRIX) - guarded)
    ]
    return problems


def _holder_problem(route: Route, response: TestResponse, flashes: list[tuple[str, str]]) -> str:
    status = response.status_code
    if status == 403 or status >= 500 or (route.is_api and status == 401):
        return f"got {status}"
    location = response.headers.get("Location", "")
    if location.split("?")[0].endswith("/login") and route.endpoint not in LOGIN_STEPS:
        return f"sent to the login page ({location})"
    refusal = DOMAIN_REFUSALS.get(route.endpoint)
    if refusal and any(refusal == message for _category, message in flashes):
        return f"refused on the page: {refusal}"
    return ""


def _stranger_problem(route: Route, response: TestResponse, flashes: list[tuple[str, str]]) -> str:
    status = response.status_code
    if route.is_api:
        body = response.get_json(silent=True) or {}
        if status != 403 or body.get("error") not in ("forbidden", "not_allowed"):
            return f"got {status} {response.data[:200]!r}, not the API's 403"
        return ""
    refusal = DOMAIN_REFUSALS.get(route.endpoint)
    if status == 403:
        return ""
    if refusal is None:
        return f"got {status}, not 403"
    if status not in (302, 303) or (("error", refusal) not in flashes):
        return f"got {status} and {flashes}, not the refusal {refusal!r}"
    return ""


def test_every_person_gets_exactly_what_their_role_allows(
    app: Flask, world: World, office: Office, english: None
) -> None:
    wrong = _matrix_problems()
    checked = 0
    compared: set[str] = set()  # one refused write per route is compared row by row
    for route in routes(app):
        if is_public(route):
            continue  # what a stranger may reach: test_url_walk.py
        if route.endpoint not in ACCESS:
            wrong.append(f"{route}: not in the matrix; add it to ACCESS in {WHERE}")
            continue
        access = ACCESS[route.endpoint]
        refused_call = None  # a refused call changes nothing: the same one serves every stranger
        for name in PEOPLE:
            user: User = world.people[name]
            allowed = access is LOGGED_IN or can(access, user)  # type: ignore[arg-type]
            if allowed:
                call = call_for(route, world, user)
            else:
                call = refused_call = refused_call or call_for(route, world, user)
            before = None
            if route.writes and not allowed and str(route) not in compared:
                compared.add(str(route))
                before = database_state()
            response, client = office.send_as(user, route, call)
            flashes = [] if route.is_api else flashed(client)
            if allowed:
                problem = _holder_problem(route, response, flashes)
            else:
                problem = _stranger_problem(route, response, flashes)
                if not problem and before is not None:
                    changed = changed_tables(before, database_state())
                    problem = f"refused, but changed {changed}" if changed else ""
            checked += 1
            if problem:
                verdict = "may" if allowed else "may not"
                wrong.append(f"{name} ({verdict}) {route}: {problem}")
    assert checked > 500, f"only {checked} requests: the walk missed routes"
    assert not wrong, f"{len(wrong)} of {checked} requests broke the matrix:\n" + "\n".join(wrong)
