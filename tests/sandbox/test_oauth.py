"""The sandbox's sign-in (``hub.sandbox.oauth``) over real HTTP, the way a browser and hub use it:
consent pages that redirect back with a code (or the refusal), and token endpoints that check
what the networks check: PKCE (S256), single-use codes, the redirect URI and the client. The
tokens issued act as the chosen account on the sandbox's network APIs."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from requests_oauthlib import OAuth1Session

from hub.sandbox.oauth import s256
from tests.conformance.shapes import assert_conforms, real_json
from tests.sandbox.conftest import TIMEOUT

REDIRECT = "https://hub.bochum.example/admin/connect/x/callback"
VERIFIER = "v" * 20 + "-the-city's-own-verifier-of-64-characters-at-least-xyz"


def _query(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text[:300]
    location = response.headers["Location"]
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def _consent(base: str, path: str, params: dict[str, str], **form: object) -> dict[str, str]:
    """Show the consent page, then answer it as a person would; the redirect's query."""
    page = requests.get(base + path, params=params, timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:300]
    accounts = re.findall(r'name="account" value="([^"]+)"', page.text)
    data = {**params, "decision": "allow", "account": accounts[:1], **form}
    answer = requests.post(
        base + path, params=params, data=data, allow_redirects=False, timeout=TIMEOUT
    )
    return _query(answer)


def _x_authorize(**extra: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "bochum-app",
        "redirect_uri": REDIRECT,
        "scope": "tweet.read tweet.write users.read offline.access",
        "state": "s-123",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        **extra,
    }


def _x_token(base: str, code: str, verifier: str = VERIFIER) -> requests.Response:
    return requests.post(
        f"{base}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            "client_id": "bochum-app",
        },
        timeout=TIMEOUT,
    )


def test_x_consent_page_names_the_app_and_scopes_and_is_accessible(sandbox, sandbox_url) -> None:
    sandbox.put_account("x", id="1500000000000000001", username="stadt_bochum", name="Bochum")
    page = requests.get(f"{sandbox_url}/i/oauth2/authorize", params=_x_authorize(), timeout=TIMEOUT)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    assert "bochum-app" in page.text
    assert "<code>tweet.write</code>" in page.text and "<code>offline.access</code>" in page.text
    assert '<label for="account-1500000000000000001">Bochum (@stadt_bochum)</label>' in page.text
    assert re.search(r"<button[^>]*>Allow</button>", page.text)
    assert re.search(r"<button[^>]*>Cancel</button>", page.text)


def test_x_code_with_pkce_gives_tokens_that_act_as_the_chosen_account(sandbox, sandbox_url) -> None:
    sandbox.put_account("x", id="1500000000000000001", username="stadt_bochum", name="Bochum")
    params = _x_authorize()
    back = _consent(sandbox_url, "/i/oauth2/authorize", params)
    assert back["state"] == "s-123"

    tokens = _x_token(sandbox_url, back["code"])
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 7200
    assert body["scope"] == params["scope"]
    me = requests.get(
        f"{sandbox_url}/2/users/me",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=TIMEOUT,
    )
    assert me.json()["data"]["username"] == "stadt_bochum"

    # The code is single-use; the refresh token is X's own (the refresh grant takes it).
    again = _x_token(sandbox_url, back["code"])
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_request"
    refreshed = requests.post(
        f"{sandbox_url}/2/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": "bochum-app",
        },
        timeout=TIMEOUT,
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["access_token"] != body["access_token"]


def test_x_refuses_a_wrong_verifier_a_wrong_redirect_and_a_missing_client(
    sandbox, sandbox_url
) -> None:
    back = _consent(sandbox_url, "/i/oauth2/authorize", _x_authorize())
    wrong = _x_token(sandbox_url, back["code"], verifier="w" * 64)
    assert wrong.status_code == 400
    assert "code verifier" in wrong.json()["error_description"]

    back = _consent(sandbox_url, "/i/oauth2/authorize", _x_authorize())
    moved = requests.post(
        f"{sandbox_url}/2/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": back["code"],
            "redirect_uri": REDIRECT + "-elsewhere",
            "code_verifier": VERIFIER,
            "client_id": "bochum-app",
        },
        timeout=TIMEOUT,
    )
    assert moved.status_code == 400

    nobody = requests.post(
        f"{sandbox_url}/2/oauth2/token",
        data={"grant_type": "authorization_code", "code": "x", "code_verifier": VERIFIER},
        timeout=TIMEOUT,
    )
    assert nobody.status_code == 400
    assert nobody.json()["error"] == "invalid_request"


def test_x_consent_without_pkce_is_an_error_page_not_a_redirect(sandbox, sandbox_url) -> None:
    params = _x_authorize()
    del params["code_challenge"]
    page = requests.get(f"{sandbox_url}/i/oauth2/authorize", params=params, timeout=TIMEOUT)
    assert page.status_code == 400
    assert "PKCE" in page.text


def test_cancel_sends_access_denied_with_the_state(sandbox, sandbox_url) -> None:
    params = _x_authorize()
    answer = requests.post(
        f"{sandbox_url}/i/oauth2/authorize",
        data={**params, "decision": "cancel"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert _query(answer) == {"error": "access_denied", "state": "s-123"}
    assert answer.headers["Location"].startswith(REDIRECT + "?")


def test_google_code_with_pkce_and_secret_acts_as_the_chosen_channel(sandbox, sandbox_url) -> None:
    sandbox.put_account("youtube", id="UCbochum0000000000000001", name="Stadt Bochum")
    params = {
        "client_id": "123-bochum.apps.googleusercontent.com",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "https://www.googleapis.com/auth/youtube.upload",
        "access_type": "offline",
        "prompt": "consent",
        "state": "g-1",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    back = _consent(sandbox_url, "/o/oauth2/v2/auth", params)
    token_request = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": REDIRECT,
        "client_id": params["client_id"],
        "code_verifier": VERIFIER,
    }
    url = f"{sandbox_url}/oauth2/v4/token"
    no_secret = requests.post(url, data=token_request, timeout=TIMEOUT)
    assert no_secret.status_code == 401
    assert no_secret.json()["error"] == "invalid_client"
    wrong = requests.post(
        url, data={**token_request, "client_secret": "s", "code_verifier": "w" * 50}, timeout=5
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant", "error_description": "Invalid code verifier."}

    ok = requests.post(url, data={**token_request, "client_secret": "s"}, timeout=TIMEOUT)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert set(body) == {"access_token", "expires_in", "refresh_token", "scope", "token_type"}
    assert body["token_type"] == "Bearer"
    mine = requests.get(
        f"{sandbox_url}/youtube/v3/channels",
        params={"part": "snippet", "mine": "true"},
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=TIMEOUT,
    )
    assert [item["id"] for item in mine.json()["items"]] == ["UCbochum0000000000000001"]
    # YouTube's own refresh grant, on the same endpoint, knows the refresh token.
    fresh = requests.post(
        url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": params["client_id"],
            "client_secret": "s",
        },
        timeout=TIMEOUT,
    )
    assert fresh.status_code == 200, fresh.text
    again = requests.post(url, data={**token_request, "client_secret": "s"}, timeout=TIMEOUT)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def _facebook_login(sandbox_url: str, pages: list[str]) -> str:
    params = {
        "client_id": "4242",
        "redirect_uri": REDIRECT,
        "state": "f-1",
        "scope": "pages_manage_posts,pages_show_list",
        "response_type": "code",
    }
    answer = requests.post(
        f"{sandbox_url}/v23.0/dialog/oauth",
        data={**params, "decision": "allow", "account": pages},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.headers["Location"].endswith("#_=_")  # as Facebook sends it
    return _query(answer)["code"]


def test_facebook_dialog_grants_the_chosen_pages_only(sandbox, sandbox_url) -> None:
    city = sandbox.put_account("facebook", id="104729318356812", name="Stadt Bochum")
    culture = sandbox.put_account("facebook", id="104729318356999", name="Bochum Kultur")
    page = requests.get(
        f"{sandbox_url}/v23.0/dialog/oauth",
        params={"client_id": "4242", "redirect_uri": REDIRECT, "scope": "pages_show_list"},
        timeout=TIMEOUT,
    )
    assert page.text.count('type="checkbox" name="account"') == 2
    assert "<legend>Which Pages may the app use?</legend>" in page.text

    code = _facebook_login(sandbox_url, [culture["id"]])
    graph = f"{sandbox_url}/v23.0"
    exchange = {"client_id": "4242", "client_secret": "app-secret", "code": code}
    moved = requests.get(
        f"{graph}/oauth/access_token",
        params={**exchange, "redirect_uri": REDIRECT + "/other"},
        timeout=TIMEOUT,
    )
    assert moved.status_code == 400
    assert moved.json()["error"]["error_subcode"] == 36008
    short = requests.get(
        f"{graph}/oauth/access_token", params={**exchange, "redirect_uri": REDIRECT}, timeout=5
    )
    assert short.status_code == 200, short.text
    used = requests.get(
        f"{graph}/oauth/access_token", params={**exchange, "redirect_uri": REDIRECT}, timeout=5
    )
    assert used.status_code == 400 and used.json()["error"]["code"] == 100

    long = requests.get(
        f"{graph}/oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": "4242",
            "client_secret": "app-secret",
            "fb_exchange_token": short.json()["access_token"],
        },
        timeout=TIMEOUT,
    ).json()
    assert_conforms(real_json("graph/long_term_token.json"), long)
    assert long["expires_in"] == 60 * 86400

    accounts = requests.get(
        f"{graph}/me/accounts", params={"access_token": long["access_token"]}, timeout=5
    ).json()
    assert_conforms(real_json("graph/user_accounts_token.json"), accounts)
    assert [p["id"] for p in accounts["data"]] == [culture["id"]]
    assert city["id"] not in str(accounts)
    page_token = accounts["data"][0]["access_token"]
    named = requests.get(
        f"{graph}/{culture['id']}", params={"access_token": page_token, "fields": "name"}, timeout=5
    )
    assert named.json()["name"] == "Bochum Kultur"


def test_facebook_pages_name_their_instagram_account(sandbox, sandbox_url) -> None:
    sandbox.put_account("facebook", id="104729318356812", name="Stadt Bochum")
    code = _facebook_login(sandbox_url, ["104729318356812"])
    graph = f"{sandbox_url}/v23.0"
    user = requests.get(
        f"{graph}/oauth/access_token",
        params={"client_id": "4242", "client_secret": "s", "code": code, "redirect_uri": REDIRECT},
        timeout=TIMEOUT,
    ).json()["access_token"]
    accounts = requests.get(
        f"{graph}/me/accounts",
        params={
            "access_token": user,
            "fields": "id,name,instagram_business_account{id,username}",
        },
        timeout=TIMEOUT,
    ).json()
    linked = accounts["data"][0]["instagram_business_account"]
    assert set(linked) == {"id", "username"} and linked["id"].startswith("178414")
    profile = requests.get(
        f"{graph}/{linked['id']}",
        params={"access_token": user, "fields": "id,username"},
        timeout=TIMEOUT,
    ).json()
    assert profile == {"id": linked["id"], "username": linked["username"]}


def test_flickr_oauth1_flow_gives_a_token_the_rest_api_takes(sandbox, sandbox_url) -> None:
    sandbox.put_account("flickr", id="12345678@N02", username="stadtbochum", name="Stadt Bochum")
    callback = "https://hub.bochum.example/admin/connect/flickr/callback?state=fl-1"
    app = OAuth1Session("api-key", client_secret="api-secret", callback_uri=callback)
    request_token = app.fetch_request_token(f"{sandbox_url}/services/oauth/request_token")
    assert request_token["oauth_callback_confirmed"] == "true"
    authorize = f"{sandbox_url}/services/oauth/authorize"
    params = {"oauth_token": request_token["oauth_token"], "perms": "delete"}
    page = requests.get(authorize, params=params, timeout=TIMEOUT)
    assert "<code>delete</code>" in page.text and "api-key" in page.text
    back = _query(
        requests.post(
            authorize,
            params=params,
            data={"decision": "allow", "account": "12345678@N02"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
    )
    assert back["state"] == "fl-1" and back["oauth_token"] == request_token["oauth_token"]

    def access(verifier: str) -> dict[str, str]:
        session = OAuth1Session(
            "api-key",
            client_secret="api-secret",
            resource_owner_key=request_token["oauth_token"],
            resource_owner_secret=request_token["oauth_token_secret"],
            verifier=verifier,
        )
        return session.fetch_access_token(f"{sandbox_url}/services/oauth/access_token")

    from requests_oauthlib.oauth1_session import TokenRequestDenied

    with pytest.raises(TokenRequestDenied):
        access("not-the-verifier")
    tokens = access(back["oauth_verifier"])
    assert tokens["user_nsid"] == "12345678@N02" and tokens["username"] == "stadtbochum"
    with pytest.raises(TokenRequestDenied):  # the request token is spent
        access(back["oauth_verifier"])

    rest = OAuth1Session(
        "api-key",
        client_secret="api-secret",
        resource_owner_key=tokens["oauth_token"],
        resource_owner_secret=tokens["oauth_token_secret"],
    )
    login = rest.get(
        f"{sandbox_url}/services/rest/",
        params={"method": "flickr.test.login", "format": "json", "nojsoncallback": "1"},
        timeout=TIMEOUT,
    ).json()
    assert login["user"]["id"] == "12345678@N02"


def test_flickr_cancel_comes_back_without_a_verifier(sandbox, sandbox_url) -> None:
    app = OAuth1Session("api-key", client_secret="s", callback_uri=REDIRECT)
    token = app.fetch_request_token(f"{sandbox_url}/services/oauth/request_token")["oauth_token"]
    back = _query(
        requests.post(
            f"{sandbox_url}/services/oauth/authorize",
            params={"oauth_token": token, "perms": "delete"},
            data={"decision": "cancel"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
    )
    assert "oauth_verifier" not in back and back["oauth_token"] == token


def test_x_confidential_client_authenticates_with_basic_auth(sandbox, sandbox_url) -> None:
    back = _consent(sandbox_url, "/i/oauth2/authorize", _x_authorize())
    data = {
        "grant_type": "authorization_code",
        "code": back["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    other = requests.post(
        f"{sandbox_url}/2/oauth2/token", data=data, auth=("another-app", "s"), timeout=TIMEOUT
    )
    assert other.status_code == 400  # the code was issued to bochum-app
    back = _consent(sandbox_url, "/i/oauth2/authorize", _x_authorize())
    ok = requests.post(
        f"{sandbox_url}/2/oauth2/token",
        data={**data, "code": back["code"]},
        auth=("bochum-app", "the-secret"),
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["access_token"]
