"""Credentials are checked per network when a channel is connected (issue 11, finding 9): a
channel its network cannot use is refused with 422, naming what is missing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import Channel
from tests.integration.api.conftest import error_of

USABLE = {
    "x": {"access_token": "oauth2-user-token", "refresh_token": "r", "client_id": "c"},
    "facebook": {"access_token": "EAAB-page-token"},
    "instagram": {"access_token": "IGAA-token", "login": "instagram"},
    "youtube": {"refresh_token": "1//r", "client_id": "1-x.apps", "client_secret": "s"},
    "flickr": {
        "api_key": "k",
        "api_secret": "s",
        "oauth_token": "72157-t",
        "oauth_token_secret": "ts",
    },
}


def connect(admin, network: str, credentials: dict, external_id: str = "4711") -> object:
    return admin.post(
        "/api/v1/channels",
        json={
            "network": network,
            "name": f"Stadt Bochum ({network})",
            "external_id": external_id,
            "credentials": credentials,
        },
    )


def test_a_flickr_channel_with_only_an_access_token_is_refused(caller) -> None:
    admin = caller("admin")
    refused = connect(admin, "flickr", {"access_token": "only-this"}, "12037949754@N01")
    assert refused.status_code == 422, refused.json
    error = error_of(refused)
    assert error["error"] == "validation_failed"
    missing = ("api_key", "api_secret", "oauth_token", "oauth_token_secret")
    assert all(key in error["fields"]["credentials"][0] for key in missing)
    assert {f"credentials.{key}" for key in missing} <= set(error["fields"])
    assert "only-this" not in refused.get_data(as_text=True)
    assert db.session.scalar(select(Channel.id)) is None


@pytest.mark.parametrize("network", sorted(USABLE))
def test_each_networks_required_credentials_are_accepted(caller, network) -> None:
    admin = caller("admin")
    created = connect(admin, network, {**USABLE[network], "note": "extra keys are kept"})
    assert created.status_code == 201, created.json
    stored = db.session.get(Channel, created.json["id"])
    assert stored.credentials == {**USABLE[network], "note": "extra keys are kept"}


@pytest.mark.parametrize(
    ("network", "credentials", "missing"),
    [
        (
            "x",
            {"consumer_key": "ck", "access_token": "t"},
            {"consumer_secret", "access_token_secret"},
        ),
        ("x", {"access_token": "t", "refresh_token": "r"}, {"client_id"}),
        ("youtube", {"access_token": "ya29.x"}, {"refresh_token", "client_id", "client_secret"}),
        ("facebook", {"page_token": "EAAB"}, {"access_token"}),
        ("instagram", {"access_token": "t", "app_id": "1"}, {"app_secret"}),
    ],
)
def test_what_a_network_would_miss_is_named(caller, network, credentials, missing) -> None:
    refused = connect(caller("admin"), network, credentials)
    assert refused.status_code == 422
    named = {key.removeprefix("credentials.") for key in error_of(refused)["fields"]} - {
        "credentials"
    }
    assert named == missing


def test_no_credentials_yet_is_allowed(caller) -> None:
    created = connect(caller("admin"), "flickr", {})
    assert created.status_code == 201, created.json
