"""The OpenAPI document is complete, and fuzzing every operation from it never gives a 5xx."""

from __future__ import annotations

import os
import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from hub.auth.scopes import ALL_SCOPES
from hub.auth.tokens import create_token
from hub.extensions import db
from tests.integration.api.conftest import ALL_ROLES

SPEC = "/api/v1/openapi.json"
# Enough to reach the domain on every operation in both modes, small enough for ~10 s per
# database; HUB_FUZZ_EXAMPLES=3000 makes a deeper run (nightly, or after changing the API).
EXAMPLES_PER_MODE = int(os.environ.get("HUB_FUZZ_EXAMPLES", "150"))


CORE_PREFIXES = ("/api/v1/announcements", "/api/v1/channels", "/api/v1/media")


def _documented(spec: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "patch", "put", "delete"}
    }


def test_openapi_document_is_public_and_lists_every_route(app, client) -> None:
    response = client.get(SPEC)
    assert response.status_code == 200
    spec = response.get_json()

    served = {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.rule != SPEC
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served == _documented(spec)
    # The announcement, channel and media routes are all there (inbox and metrics add more).
    assert len({route for route in served if route[1].startswith(CORE_PREFIXES)}) == 13

    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from hub's admin",
    }
    assert spec["security"] == [{"bearerAuth": []}]
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "message", "fields"}
    patch = spec["paths"]["/api/v1/announcements/{announcement_id}"]["patch"]
    assert patch["responses"]["409"] == {"$ref": "#/components/responses/CONFLICT"}
    assert patch["responses"]["422"] == {"$ref": "#/components/responses/UNPROCESSABLE_ENTITY"}
    body = spec["components"]["schemas"]["AnnouncementPatch"]
    assert body["required"] == ["version"]
    upload = spec["paths"]["/api/v1/media"]["post"]["requestBody"]["content"]
    assert set(upload["multipart/form-data"]["schema"].values()) == {
        "#/components/schemas/MediaUpload"
    }
    channel_out = spec["components"]["schemas"]["ChannelOut"]["properties"]
    assert "credentials" not in channel_out
    assert SPEC not in {path for _, path in _documented(spec)}


def test_fuzzing_the_api_gives_no_server_error(app, make_user, make_channel, make_media) -> None:
    everyone = make_user(*ALL_ROLES)
    token = create_token(everyone, name="schemathesis", scopes=ALL_SCOPES)
    db.session.commit()
    # Some rows to hit, so that generated ids 1, 2, ... reach real objects now and then.
    make_channel("x")
    make_channel("instagram")
    make_media("image")
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    schema = schemathesis.openapi.from_wsgi(SPEC, app)
    calls: list[int] = []

    for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

        @given(case=schema.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_MODE,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
            calls.append(response.status_code)

        call()

    assert len(calls) >= EXAMPLES_PER_MODE
    assert all(status < 500 for status in calls)
    # The token worked: fuzzing reached past authentication, and created things.
    assert any(200 <= status < 300 for status in calls)
