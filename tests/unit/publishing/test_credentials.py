"""What each network's connector needs in a channel's credentials (issue 11, finding 9)."""

from __future__ import annotations

import pytest

from hub.demo import demo_credentials
from hub.models import Network
from hub.publishing.credentials import check, require_usable
from hub.publishing.errors import ValidationFailed


@pytest.mark.parametrize("network", [n.value for n in Network])
def test_the_demo_channels_credentials_are_usable(network) -> None:
    assert check(network, demo_credentials(network)).ok


def test_x_is_read_as_oauth1_once_any_oauth1_key_is_there() -> None:
    assert check("x", {"access_token": "t"}).kind == "oauth2"
    half = check("x", {"access_token": "t", "consumer_key": "ck"})
    assert half.kind == "oauth1" and half.missing == ("consumer_secret", "access_token_secret")


def test_empty_values_count_as_missing_and_unknown_keys_as_unused() -> None:
    found = check("flickr", {"api_key": " ", "api_secret": "s", "oauth_token": "t", "extra": 1})
    assert found.missing == ("api_key", "oauth_token_secret")
    assert found.unused == ("extra",)
    assert "credentials.api_key" in found.messages()


def test_an_unknown_instagram_login_and_a_bad_quota_are_invalid() -> None:
    assert "login" in check("instagram", {"access_token": "t", "login": "tiktok"}).invalid
    youtube = {"refresh_token": "r", "client_id": "c", "client_secret": "s", "daily_units": "x"}
    assert "daily_units" in check("youtube", youtube).invalid


def test_require_usable_raises_a_validation_error_naming_the_fields() -> None:
    with pytest.raises(ValidationFailed) as refused:
        require_usable("flickr", {"access_token": "only"})
    assert "api_key" in refused.value.fields["credentials"][0]
    assert require_usable("flickr", None).ok and require_usable("flickr", {}).ok
