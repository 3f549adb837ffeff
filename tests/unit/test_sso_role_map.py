"""HUB_OIDC_ROLE_MAP and the groups a provider sends: which hub roles they give."""

from __future__ import annotations

import pytest

from hub.auth.sso import _claim, mapped_roles
from hub.config import Settings, parse_role_map


def test_the_role_map_pairs_groups_with_roles() -> None:
    assert parse_role_map(
        "presse-redaktion=editor, presse-freigabe = Approver,/Presse/Leitung=editor,"
        "/Presse/Leitung=approver,,"
    ) == (
        ("presse-redaktion", "editor"),
        ("presse-freigabe", "approver"),
        ("/Presse/Leitung", "editor"),
        ("/Presse/Leitung", "approver"),
    )


def test_one_pair_a_line_lets_a_group_hold_commas_and_equals_signs() -> None:
    assert parse_role_map("CN=Presse,OU=Stadt=editor\nCN=IT,OU=Stadt=admin\n") == (
        ("CN=Presse,OU=Stadt", "editor"),
        ("CN=IT,OU=Stadt", "admin"),
    )


@pytest.mark.parametrize("raw", ["presse-redaktion", "=editor", "presse-redaktion="])
def test_a_pair_without_group_or_role_is_an_error(raw: str) -> None:
    with pytest.raises(ValueError, match="is not group=role"):
        parse_role_map(raw)


def test_settings_read_the_single_sign_on_variables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env(
        {
            "HUB_DATA_DIR": str(tmp_path),
            "HUB_OIDC_ISSUER": "https://login.bochum.example/realms/stadt/",
            "HUB_OIDC_CLIENT_ID": "hub",
            "HUB_OIDC_ROLE_MAP": "presse-redaktion=editor",
            "HUB_OIDC_MFA_VALUES": "mfa, otp",
        }
    )
    assert settings.oidc_issuer == "https://login.bochum.example/realms/stadt"
    assert settings.oidc_client_secret is None
    assert settings.oidc_roles_claim == "groups"
    assert settings.oidc_role_map == (("presse-redaktion", "editor"),)
    assert settings.oidc_mfa_values == ("mfa", "otp")
    assert Settings.from_env({"HUB_DATA_DIR": str(tmp_path)}).oidc_issuer is None


ROLE_MAP = (
    ("presse-redaktion", "editor"),
    ("presse-leitung", "editor"),
    ("presse-leitung", "approver"),
)


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        (["presse-leitung", "kantine"], {"editor", "approver"}),
        (["presse-redaktion", "presse-leitung"], {"editor", "approver"}),
        ("presse-redaktion", {"editor"}),  # one group, sent as a plain string
        (["Presse-Redaktion"], set()),  # as the IdP spells it: case counts
        (["kantine"], set()),
        ([], set()),
        (None, set()),  # no such claim at all
        ({"presse-redaktion": True}, set()),  # not a list of groups
    ],
)
def test_groups_give_the_roles_the_map_names(groups, roles) -> None:  # type: ignore[no-untyped-def]
    assert mapped_roles(groups, ROLE_MAP) == roles


def test_the_roles_claim_may_be_a_path_into_the_token() -> None:
    claims = {"realm_access": {"roles": ["presse-redaktion"]}, "groups": ["x"]}
    assert _claim(claims, "realm_access.roles") == ["presse-redaktion"]
    assert _claim(claims, "groups") == ["x"]
    assert _claim({"https://bochum.example/groups": ["y"]}, "https://bochum.example/groups") == [
        "y"
    ]
    assert _claim(claims, "realm_access.missing") is None
