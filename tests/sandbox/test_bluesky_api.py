"""The sandbox's Bluesky (XRPC) on the wire: sessions and their limits, record keys, validation.

What the PDS does (its source: bluesky-social/atproto, packages/pds) is what these hold the
sandbox to: createSession's 30-in-5-minutes limit with the ``RateLimit-*`` headers, a refresh
token spent by its use, ``ExpiredToken`` as HTTP 400, a second record at one key refused.
"""

from __future__ import annotations

import time

import requests

from hub.connectors.bluesky import record_key

TIMEOUT = (2.0, 5.0)
DID = "did:plc:bochumtestaaaaaaaaaaaaaa"
PASSWORD = "abcd-efgh-ijkl-mnop"


def xrpc(base: str, method: str, nsid: str, token: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.request(
        method, f"{base}/xrpc/{nsid}", headers=headers, timeout=TIMEOUT, **kwargs
    )


def login(base: str, identifier: str = "bochum.de", password: str = PASSWORD) -> requests.Response:
    return xrpc(
        base,
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": identifier, "password": password},
    )


def city(sandbox) -> None:  # type: ignore[no-untyped-def]
    sandbox.put_account(
        "bluesky", id=DID, username="bochum.de", name="Stadt Bochum", token=PASSWORD
    )


def test_create_session_answers_like_the_pds(sandbox, sandbox_url) -> None:
    city(sandbox)
    answer = login(sandbox_url)
    assert answer.status_code == 200
    body = answer.json()
    assert body["did"] == DID and body["handle"] == "bochum.de" and body["active"] is True
    assert body["accessJwt"].count(".") == 2 and body["refreshJwt"].count(".") == 2
    service = body["didDoc"]["service"][0]
    assert service["type"] == "AtprotoPersonalDataServer"
    assert service["serviceEndpoint"] == sandbox_url
    refused = login(sandbox_url, password="wrong-password")
    assert refused.status_code == 401
    assert refused.json()["error"] == "AuthenticationRequired"


def test_create_session_is_limited_per_account_with_the_real_error(sandbox, sandbox_url) -> None:
    city(sandbox)
    for _ in range(30):
        assert login(sandbox_url).status_code == 200
    refused = login(sandbox_url)
    assert refused.status_code == 429
    assert refused.json() == {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
    assert refused.headers["RateLimit-Limit"] == "30"
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.headers["RateLimit-Policy"] == "30;w=300"
    assert 0 < int(refused.headers["RateLimit-Reset"]) - time.time() <= 300
    # The day's 300 are a limit of their own.
    sandbox.reset()
    city(sandbox)
    sandbox.settings("bluesky", login_limit_5min=1000, login_limit_day=2)
    assert [login(sandbox_url).status_code for _ in range(3)] == [200, 200, 429]


def test_refresh_spends_the_refresh_token_and_expired_access_is_400(sandbox, sandbox_url) -> None:
    city(sandbox)
    first = login(sandbox_url).json()
    renewed = xrpc(sandbox_url, "POST", "com.atproto.server.refreshSession", first["refreshJwt"])
    assert renewed.status_code == 200
    assert renewed.json()["refreshJwt"] != first["refreshJwt"]
    again = xrpc(sandbox_url, "POST", "com.atproto.server.refreshSession", first["refreshJwt"])
    assert again.status_code == 400
    assert again.json() == {"error": "ExpiredToken", "message": "Token has been revoked"}
    sandbox.settings("bluesky", age_tokens_seconds=3 * 3600)
    old = xrpc(sandbox_url, "GET", "com.atproto.server.getSession", renewed.json()["accessJwt"])
    assert old.status_code == 400
    assert old.json() == {"error": "ExpiredToken", "message": "Token has expired"}
    never = xrpc(sandbox_url, "GET", "com.atproto.server.getSession", "not-issued-here")
    assert never.status_code == 401
    assert never.json()["error"] == "InvalidToken"


def test_a_second_record_at_one_key_is_refused_as_the_pds_does(sandbox, sandbox_url) -> None:
    city(sandbox)
    token = login(sandbox_url).json()["accessJwt"]
    rkey = record_key(7, None)
    write = {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": rkey,
        "record": {"text": "Hallo", "createdAt": "2026-12-01T10:00:00.000Z"},
    }
    first = xrpc(sandbox_url, "POST", "com.atproto.repo.createRecord", token, json=write)
    assert first.status_code == 200
    assert first.json()["uri"] == f"at://{DID}/app.bsky.feed.post/{rkey}"
    second = xrpc(sandbox_url, "POST", "com.atproto.repo.createRecord", token, json=write)
    assert second.status_code == 500
    assert second.json()["error"] == "InternalServerError"
    assert len(sandbox.posts("bluesky")) == 1
    found = xrpc(
        sandbox_url,
        "GET",
        "com.atproto.repo.getRecord",
        token,
        params={"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey},
    )
    assert found.json()["value"]["text"] == "Hallo"
    missing = xrpc(
        sandbox_url,
        "GET",
        "com.atproto.repo.getRecord",
        token,
        params={"repo": DID, "collection": "app.bsky.feed.post", "rkey": record_key(8, None)},
    )
    assert missing.status_code == 400
    assert missing.json()["error"] == "RecordNotFound"
    not_a_tid = dict(write, rkey="hallo")
    refused = xrpc(sandbox_url, "POST", "com.atproto.repo.createRecord", token, json=not_a_tid)
    assert refused.status_code == 400


def test_posts_are_validated_like_the_lexicon_says(sandbox, sandbox_url) -> None:
    city(sandbox)
    token = login(sandbox_url).json()["accessJwt"]

    def create(record: dict) -> requests.Response:
        return xrpc(
            sandbox_url,
            "POST",
            "com.atproto.repo.createRecord",
            token,
            json={"repo": DID, "collection": "app.bsky.feed.post", "record": record},
        )

    at = "2026-12-01T10:00:00.000Z"
    assert create({"text": "👍🏽" * 300, "createdAt": at}).status_code == 200  # 300 graphemes
    # 200 graphemes, but 3,600 bytes: the second limit.
    assert create({"text": "👩‍👩‍👧" * 200, "createdAt": at}).status_code == 400
    too_long = create({"text": "a" * 301, "createdAt": at})
    assert too_long.status_code == 400
    assert "300 graphemes" in too_long.json()["message"]
    assert create({"text": "x", "createdAt": at, "langs": ["de_DE"]}).status_code == 400
    big = xrpc(
        sandbox_url,
        "POST",
        "com.atproto.repo.uploadBlob",
        token,
        data=b"\xff\xd8\xff" + b"0" * 1_000_001,
        headers={"Content-Type": "image/jpeg"},
    ).json()["blob"]
    refused = create(
        {
            "text": "Bild",
            "createdAt": at,
            "embed": {"$type": "app.bsky.embed.images", "images": [{"alt": "", "image": big}]},
        }
    )
    assert refused.status_code == 400
    assert refused.json()["error"] == "BlobTooLarge"
