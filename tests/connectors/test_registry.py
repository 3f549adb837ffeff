"""The registry: network -> connector, channel -> ChannelAccess (secrets decrypted, API URL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import Settings
from hub.connectors.base import ChannelAccess, Unsupported
from hub.connectors.facebook import FacebookConnector
from hub.connectors.registry import access_for, connector_class, connector_for
from hub.connectors.x import XConnector
from hub.models import Channel


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path / "data"), **env})


def test_each_network_has_its_connector() -> None:
    assert connector_class("x") is XConnector
    assert connector_class("facebook") is FacebookConnector
    made = connector_for("facebook", ChannelAccess("1", {"access_token": "t"}), timeout=2.5)
    assert isinstance(made, FacebookConnector)
    assert made.http_timeout == (2.5, 2.5)
    assert connector_for("x", ChannelAccess("1", {})).http_timeout == (5.0, 30.0)


@pytest.mark.parametrize("network", ["myspace", "studivz"])
def test_a_network_without_connector_is_unsupported(network) -> None:
    with pytest.raises(Unsupported, match=network):
        connector_class(network)


@pytest.mark.parametrize(
    ("env", "instance_url"),
    [
        ({}, "https://bochum.social"),
        (
            {"HUB_SANDBOX_URL": "http://127.0.0.1:5050/"},
            "http://127.0.0.1:5050/mastodon/bochum.social",
        ),
        ({"HUB_MASTODON_API_URL": "http://proxy"}, "http://proxy/bochum.social"),
    ],
)
def test_a_mastodon_channel_reaches_its_own_instance(tmp_path, env, instance_url) -> None:
    from hub.connectors.mastodon import MastodonConnector

    channel = Channel(
        network="mastodon",
        name="Stadt Bochum",
        external_id="stadt@bochum.social",
        credentials={"instance": "https://Bochum.social/", "access_token": "t"},
    )
    made = connector_for("mastodon", access_for(channel, settings(tmp_path, **env)))
    assert isinstance(made, MastodonConnector)
    assert made.client.api_base_url == instance_url


@pytest.mark.parametrize(
    ("env", "x_url", "graph_url"),
    [
        ({}, None, None),
        (
            {"HUB_SANDBOX_URL": "http://127.0.0.1:5050/"},
            "http://127.0.0.1:5050",
            "http://127.0.0.1:5050",
        ),
        (
            {"HUB_X_API_URL": "http://x-proxy", "HUB_GRAPH_API_URL": "http://graph-proxy"},
            "http://x-proxy",
            "http://graph-proxy",
        ),
    ],
)
def test_access_points_at_the_configured_api(tmp_path, env, x_url, graph_url) -> None:
    cfg = settings(tmp_path, **env)
    x = Channel(network="x", name="X", external_id="42", credentials={"access_token": "a"})
    fb = Channel(network="facebook", name="FB", external_id="7", credentials={"access_token": "b"})
    assert access_for(x, cfg) == ChannelAccess("42", {"access_token": "a"}, x_url)
    assert access_for(fb, cfg) == ChannelAccess("7", {"access_token": "b"}, graph_url)


def test_access_reads_the_decrypted_secrets_of_a_stored_channel(
    app, make_channel, settings
) -> None:
    from hub.extensions import db

    secrets = {
        "consumer_key": "ck",
        "consumer_secret": "cs",
        "access_token": "1-t",
        "access_token_secret": "s",
    }
    channel = make_channel("x", external_id="1", credentials=secrets)
    stored = db.session.execute(
        db.text("SELECT credentials FROM channel WHERE id = :id"), {"id": channel.id}
    ).scalar_one()
    assert "access_token_secret" not in str(stored)  # encrypted at rest
    db.session.expire_all()
    access = access_for(db.session.get(Channel, channel.id), settings)
    assert access.credentials == secrets and access.external_id == "1"
    assert isinstance(connector_for("x", access), XConnector)
