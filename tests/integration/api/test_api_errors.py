"""Bad input, wrong people, wrong tokens: always a 4xx with ``{"error", "message", "fields"}``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Flask
from sqlalchemy import select

from hub.auth.tokens import create_token
from hub.extensions import babel, db
from hub.models import ApiToken, AuditEvent, Channel
from hub.models.types import utcnow
from tests.conftest import image_bytes, login
from tests.integration.api.conftest import error_of

SECRET = "EAAG-very-secret-page-token-4711"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


# --- who may call ------------------------------------------------------------------------


def test_missing_and_wrong_tokens_are_401(client, caller) -> None:
    editor = caller("editor")
    cases = {
        "missing": {},
        "wrong": {"Authorization": "Bearer hub_not-a-real-token"},
        "not bearer": {"Authorization": f"Basic {editor.token}"},
        "empty": {"Authorization": "Bearer "},
    }
    for label, headers in cases.items():
        response = client.get("/api/v1/announcements", headers=headers)
        assert response.status_code == 401, label
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), label
        assert error_of(response)["error"] == "unauthorized", label
    assert editor.get("/api/v1/announcements").status_code == 200


def test_revoked_token_and_disabled_user_are_401(caller) -> None:
    editor = caller("editor")
    assert editor.get("/api/v1/channels").status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == editor.user.id))
    assert token.last_used_at is not None  # a read counts as use
    token.revoked_at = utcnow()
    db.session.commit()
    assert editor.get("/api/v1/channels").status_code == 401

    other = caller("editor")
    other.user.active = False
    db.session.commit()
    assert other.get("/api/v1/channels").status_code == 401


def test_browser_session_does_not_authenticate_the_api(client, make_user) -> None:
    editor = make_user("editor")
    login(client, editor.email)

    response = client.get("/api/v1/announcements")

    assert response.status_code == 401
    assert error_of(response)["error"] == "unauthorized"


def test_role_without_permission_is_403(caller) -> None:
    moderator, editor = caller("moderator"), caller("editor")

    refused = moderator.post("/api/v1/announcements", json={"title": "t"})
    assert refused.status_code == 403
    assert error_of(refused)["error"] == "forbidden"

    channel = editor.post(
        "/api/v1/channels",
        json={"network": "x", "name": "Stadt", "external_id": "1", "credentials": {}},
    )
    assert channel.status_code == 403
    assert error_of(channel)["error"] == "forbidden"
    assert db.session.scalar(select(Channel.id)) is None


def test_csrf_is_not_asked_of_token_clients(app, caller, make_channel) -> None:
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    editor = caller("editor")
    x = make_channel("x")

    created = editor.draft(x.id)

    assert created.status_code == 201, created.json


# --- malformed requests: 400 -------------------------------------------------------------


def test_broken_json_is_400(caller) -> None:
    editor = caller("editor")

    broken = editor.post(
        "/api/v1/announcements", data='{"title": "t",', content_type="application/json"
    )
    assert broken.status_code == 400
    assert error_of(broken)["error"] == "bad_json"

    nan = editor.post(
        "/api/v1/announcements", data='{"title": NaN}', content_type="application/json"
    )
    assert nan.status_code == 400 and nan.json["error"] == "bad_json"


def test_body_that_is_not_an_object_is_400(caller) -> None:
    editor = caller("editor")

    response = editor.post("/api/v1/announcements", json=["title", "body"])

    assert response.status_code == 400
    body = error_of(response)
    assert body["error"] == "bad_request" and "JSON object" in body["message"]


def test_body_that_is_not_json_is_415(caller) -> None:
    editor = caller("editor")

    response = editor.post("/api/v1/announcements", data="title=t", content_type="text/plain")

    assert response.status_code == 415
    assert error_of(response)["error"] == "unsupported_media_type"


def test_wrongly_typed_fields_are_400_with_field_messages(caller) -> None:
    editor = caller("editor")

    response = editor.post(
        "/api/v1/announcements",
        json={
            "title": 5,
            "channels": ["1", 2.5, 3],
            "variants": {"abc": {"body": "x"}, "7": {"body": ["list"]}},
            "media": "1,2",
            "scheduled_at": "tomorrow",
            "colour": "red",
        },
    )

    assert response.status_code == 400
    fields = error_of(response)["fields"]
    assert {
        "title",
        "channels.0",
        "channels.1",
        "variants.abc.key",
        "variants.7.value.body",
    } <= set(fields), fields
    assert "channels.2" not in fields
    assert fields["media"] == ["Not a valid list."]
    assert fields["scheduled_at"] == ["Not a valid datetime."]
    assert fields["colour"] == ["Unknown field."]


def test_text_no_database_can_store_is_400(caller) -> None:
    editor = caller("editor")

    response = editor.post("/api/v1/announcements", json={"title": "Rat\u0000haus"})

    assert response.status_code == 400
    assert "title" in error_of(response)["fields"]


def test_ids_beyond_the_database_range_are_refused(caller) -> None:
    editor = caller("editor")

    body = editor.post("/api/v1/announcements", json={"title": "t", "channels": [10**20]})
    path = editor.get(f"/api/v1/announcements/{10**20}")

    assert body.status_code == 400 and "channels.0" in error_of(body)["fields"]
    assert path.status_code == 404 and error_of(path)["error"] == "not_found"


# --- domain rules: 422 -------------------------------------------------------------------


def test_unknown_channels_and_media_are_422(caller) -> None:
    editor = caller("editor")

    response = editor.post(
        "/api/v1/announcements",
        json={"title": "t", "body": "b", "channels": [4711], "media": [815]},
    )

    assert response.status_code == 422
    fields = error_of(response)["fields"]
    assert "4711" in fields["channels"][0]
    assert "815" in fields["media"][0]


def test_over_long_x_text_is_reported_under_its_variant(caller, make_channel) -> None:
    editor = caller("editor")
    x, fb = make_channel("x"), make_channel("facebook")

    response = editor.post(
        "/api/v1/announcements",
        json={
            "title": "t",
            "body": "Kurz.",
            "channels": [x.id, fb.id],
            "variants": {str(x.id): {"body": "a" * 300}},
        },
    )

    assert response.status_code == 422
    body = error_of(response)
    assert body["error"] == "validation_failed"
    assert "280" in body["fields"][f"variants.{x.id}.body"][0]
    assert not any(name.startswith(f"variants.{fb.id}") for name in body["fields"])


def test_instagram_without_media_is_422(caller, make_channel) -> None:
    editor = caller("editor")
    insta = make_channel("instagram")

    response = editor.draft(insta.id)

    assert response.status_code == 422
    assert f"variants.{insta.id}.media" in error_of(response)["fields"]


def test_schedule_in_the_past_or_without_offset_is_422(caller, make_channel) -> None:
    editor = caller("editor")
    x = make_channel("x")
    past = (utcnow() - timedelta(days=1)).isoformat()
    naive = (utcnow() + timedelta(days=1)).replace(tzinfo=None).isoformat()

    for sent in (past, naive):
        response = editor.post(
            "/api/v1/announcements",
            json={"title": "t", "body": "b", "channels": [x.id], "scheduled_at": sent},
        )
        assert response.status_code == 422, sent
        assert error_of(response)["fields"]["scheduled_at"], sent


def test_renamed_pdf_is_422(caller) -> None:
    editor = caller("editor")

    response = editor.upload(PDF, "plakat.png")

    assert response.status_code == 422
    body = error_of(response)
    assert body["error"] == "validation_failed"
    assert "neither an image" in body["fields"]["file"][0]


def test_upload_needs_a_file_and_an_alt_text(caller) -> None:
    editor = caller("editor")

    no_alt = editor.upload(image_bytes(), "a.png", alt_text=None)
    blank_alt = editor.upload(image_bytes(), "a.png", alt_text="   ")
    text_instead_of_file = editor.post(
        "/api/v1/media",
        data={"file": "not a file", "alt_text": "x"},
        content_type="multipart/form-data",
    )

    assert no_alt.status_code == 400 and "alt_text" in error_of(no_alt)["fields"]
    assert blank_alt.status_code == 422 and "alt_text" in error_of(blank_alt)["fields"]
    assert text_instead_of_file.status_code == 400
    assert "file" in error_of(text_instead_of_file)["fields"]


# --- sizes, methods, rates ---------------------------------------------------------------


def test_too_large_bodies_are_413(app, caller) -> None:
    editor = caller("editor")

    json_body = editor.post("/api/v1/announcements", json={"title": "t", "body": "a" * 1_100_000})
    app.config["HUB_UPLOAD_BODY_LIMIT"] = 10_000
    upload = editor.upload(image_bytes(size=(800, 800), color="red") + b"\0" * 20_000, "big.png")

    assert json_body.status_code == 413 and error_of(json_body)["error"] == "too_large"
    assert upload.status_code == 413 and error_of(upload)["error"] == "too_large"


def test_unknown_route_and_method_are_json(caller) -> None:
    editor = caller("editor")

    missing = editor.get("/api/v1/nothing-here")
    wrong_method = editor.request("DELETE", "/api/v1/announcements")

    assert missing.status_code == 404 and error_of(missing)["error"] == "not_found"
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["error"] == "method_not_allowed"
    assert "POST" in wrong_method.headers["Allow"]


def test_rate_limit_is_429(other_app, make_user) -> None:
    limited = other_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    with limited.app_context():
        token = create_token(make_user("editor"))
        db.session.commit()
    client = limited.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    statuses = [client.get("/api/v1/channels", headers=headers).status_code for _ in range(4)]
    last = client.get("/api/v1/channels", headers=headers)

    assert statuses == [200, 200, 200, 429]
    assert error_of(last)["error"] == "rate_limited"
    assert "Retry-After" in last.headers


# --- credentials, languages --------------------------------------------------------------


def test_credentials_never_leave_the_server(caller) -> None:
    admin, editor = caller("admin"), caller("editor")

    created = admin.post(
        "/api/v1/channels",
        json={
            "network": "facebook",
            "name": "Stadt Bochum",
            "external_id": "1234567890",
            "credentials": {"access_token": SECRET},
        },
    )
    assert created.status_code == 201, created.json
    channel_id = created.json["id"]
    assert "credentials" not in created.json
    admin.get(created.headers["Location"])
    admin.get("/api/v1/channels")
    editor.get("/api/v1/channels")
    editor.get(f"/api/v1/channels/{channel_id}")
    duplicate = admin.post(
        "/api/v1/channels",
        json={"network": "facebook", "name": "x", "external_id": "1234567890"},
    )
    assert duplicate.status_code == 409 and error_of(duplicate)["error"] == "conflict"

    responses = admin.responses + editor.responses
    assert len(responses) == 6
    for response in responses:
        assert SECRET not in response.get_data(as_text=True)
    stored = db.session.get(Channel, channel_id)
    assert stored.credentials == {"access_token": SECRET}
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "channel.connected"))
    assert all(SECRET not in str(event.details) for event in audit)


def test_channel_values_are_checked(caller) -> None:
    admin = caller("admin")

    wrong_network = admin.post(
        "/api/v1/channels", json={"network": "myspace", "name": "n", "external_id": "1"}
    )
    blank_name = admin.post(
        "/api/v1/channels", json={"network": "x", "name": "  ", "external_id": "1"}
    )

    assert wrong_network.status_code == 400 and "network" in error_of(wrong_network)["fields"]
    assert blank_name.status_code == 422 and "name" in error_of(blank_name)["fields"]


@pytest.fixture
def translated_app(other_app, tmp_path: Path) -> Iterator[Flask]:
    """An app with a tiny German catalogue of two API messages (the real one comes later).

    flask-babel caches loaded catalogues per process, not per app: empty the cache once the app
    exists (so this catalogue is read) and afterwards (so no other test sees it).
    """
    directory = tmp_path / "translations"
    catalog = Catalog(locale="de")
    catalog.add("Your role does not allow this.", "Ihre Rolle erlaubt das nicht.")
    catalog.add("Not a valid list.", "Keine gültige Liste.")
    target = directory / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    made = other_app(BABEL_TRANSLATION_DIRECTORIES=str(directory))
    babel.domain_instance.cache.clear()
    yield made
    babel.domain_instance.cache.clear()


def test_messages_follow_accept_language(translated_app, make_user) -> None:
    translated = translated_app
    with translated.app_context():
        token = create_token(make_user("moderator"))
        db.session.commit()
    client = translated.test_client()

    def message(lang: str | None, body: object) -> dict:
        headers = {"Authorization": f"Bearer {token}"}
        if lang:
            headers["Accept-Language"] = lang
        return client.post("/api/v1/announcements", json=body, headers=headers).get_json()

    assert message("en", {"title": "t"})["message"] == "Your role does not allow this."
    assert message("de-DE,de;q=0.9", {"title": "t"})["message"] == "Ihre Rolle erlaubt das nicht."
    assert message(None, {"title": "t"})["message"] == "Ihre Rolle erlaubt das nicht."
    assert message("fr", {"title": "t"})["message"] == "Ihre Rolle erlaubt das nicht."


def test_field_messages_are_translated_too(translated_app, make_user) -> None:
    translated = translated_app
    with translated.app_context():
        token = create_token(make_user("editor"))
        db.session.commit()
    client = translated.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    german = client.post(
        "/api/v1/announcements", json={"title": "t", "media": 1}, headers=headers
    ).get_json()
    english = client.post(
        "/api/v1/announcements",
        json={"title": "t", "media": 1},
        headers={**headers, "Accept-Language": "en"},
    ).get_json()

    assert german["fields"]["media"] == ["Keine gültige Liste."]
    assert english["fields"]["media"] == ["Not a valid list."]


def test_upload_stream_is_read_from_the_request(caller) -> None:
    """A file part with a path in its name is stored under its base name only."""
    editor = caller("editor")

    uploaded = editor.post(
        "/api/v1/media",
        data={"file": (io.BytesIO(image_bytes()), "../../etc/rathaus.png"), "alt_text": "R"},
        content_type="multipart/form-data",
    )

    assert uploaded.status_code == 201, uploaded.json
    assert uploaded.json["original_name"] == "rathaus.png"


def test_edge_values_are_answered_with_4xx(caller, make_channel) -> None:
    """Values that once could have reached the database or Python's datetime as they were."""
    editor = caller("editor")
    x, yt = make_channel("x"), make_channel("youtube")
    edge_bodies = {
        "year 1 with an offset": {"scheduled_at": "0001-01-01T00:30:00+01:00"},
        "year 9999 west of UTC": {"scheduled_at": "9999-12-31T23:30:00-01:00"},
        "unclosed IPv6 link": {"link": "http://["},
        "long link": {"link": "https://bochum.de/" + "a" * 2000},
        "long variant title": {"variants": {str(x.id): {"title": "t" * 201}}},
        "long title": {"title": "t" * 201},
        "huge variant key": {"variants": {"99999999999": {"body": "b"}}},
        "lone surrogate": {"body": "\ud800"},
    }
    for label, fields in edge_bodies.items():
        body = {"title": "t", "body": "b", "channels": [x.id], **fields}
        response = editor.post("/api/v1/announcements", json=body)
        assert 400 <= response.status_code < 500, (label, response.status_code)
        assert error_of(response)["fields"], label

    far = editor.post(
        "/api/v1/announcements",
        json={
            "title": "t",
            "body": "b",
            "channels": [yt.id],
            "variants": {str(yt.id): {"title": "<b>Titel</b>"}},
            "scheduled_at": "9999-12-31T00:00:00+00:00",
        },
    )
    assert far.status_code == 422 and f"variants.{yt.id}.title" in error_of(far)["fields"]
    for query in ("limit=0", "limit=abc", "after_id=-1", f"after_id={10**20}", "status=nope"):
        assert editor.get(f"/api/v1/announcements?{query}").status_code == 400, query
