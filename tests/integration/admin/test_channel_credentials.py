"""The channel form checks credentials per network (issue 11, finding 9): what the network
would miss is named next to the credentials field, nothing typed is lost but the secrets, which
are never sent back."""

from __future__ import annotations

import html

import pytest

from hub.extensions import db
from hub.models import Channel
from tests.integration.admin.conftest import channel_fields, edit_channel, post_form

SECRET = "72157-very-secret-flickr-token-0815"

USABLE = {
    "x": '{"consumer_key": "ck", "consumer_secret": "cs", "access_token": "t", '
    '"access_token_secret": "ts"}',
    "facebook": "EAAB-bare-page-token",
    "instagram": '{"access_token": "IGAA-t", "login": "instagram"}',
    "youtube": '{"refresh_token": "1//r", "client_id": "1-x.apps", "client_secret": "s"}',
    "flickr": '{"api_key": "k", "api_secret": "s", "oauth_token": "t", "oauth_token_secret": "ts"}',
}


def _fields(network: str, credentials: str) -> dict:
    return channel_fields("Stadt Bochum auf Flickr", network, "12037949754@N01", credentials)


def test_credentials_the_network_cannot_use_are_refused_and_named(
    english, make_user, client_for
) -> None:
    client = client_for(make_user("admin"))
    response = post_form(
        client, "/admin/channels/new/", _fields("flickr", f'{{"access_token": "{SECRET}"}}')
    )
    assert response.status_code == 200  # the form again, with the reason
    page = html.unescape(response.text)
    assert "Flickr cannot use these credentials" in page
    for key in ("api_key", "api_secret", "oauth_token", "oauth_token_secret"):
        assert key in page
    assert "You entered: access_token" in page  # the names typed, never the values
    assert SECRET not in response.text
    assert "Stadt Bochum auf Flickr" in page  # the rest of the form is kept
    db.session.rollback()
    assert db.session.query(Channel).count() == 0


def test_a_change_of_network_checks_the_stored_credentials_too(
    english, make_user, make_channel, client_for
) -> None:
    channel = make_channel("facebook", credentials={"access_token": "EAAB"})
    client = client_for(make_user("admin"))
    data = {**_fields("flickr", ""), "external_id": channel.external_id}
    response = edit_channel(client, channel, data)
    assert response.status_code == 200
    assert "Flickr cannot use these credentials" in html.unescape(response.text)
    db.session.rollback()
    assert db.session.get(Channel, channel.id).network == "facebook"


@pytest.mark.parametrize("network", sorted(USABLE))
def test_each_networks_credentials_are_saved(english, make_user, client_for, network) -> None:
    client = client_for(make_user("admin"))
    response = post_form(client, "/admin/channels/new/", _fields(network, USABLE[network]))
    assert response.status_code == 302, html.unescape(response.text)[-3000:]
    db.session.rollback()
    assert db.session.scalars(db.select(Channel)).one().network == network


def test_keys_no_connector_reads_are_kept_with_a_warning(english, make_user, client_for) -> None:
    client = client_for(make_user("admin"))
    typo = '{"acces_token": "x", "access_token": "EAAB"}'
    response = post_form(client, "/admin/channels/new/", _fields("facebook", typo))
    assert response.status_code == 302
    page = html.unescape(client.get(response.headers["Location"]).text)
    assert "hub does not read these credential fields for Facebook: acces_token" in page
    db.session.rollback()
    assert db.session.scalars(db.select(Channel)).one().credentials["acces_token"] == "x"
