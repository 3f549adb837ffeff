"""Meta's webhooks: the signature check (constant-time HMAC-SHA256) and reading comments out
of Facebook and Instagram payloads as Meta documents them."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from hub.inbox.meta import BadPayload, parse, sign, valid_signature, valid_verify_token

BODY = b'{"object":"page","entry":[]}'


def test_signature_as_meta_computes_it() -> None:
    expected = "sha256=" + hmac.new(b"secret", BODY, hashlib.sha256).hexdigest()
    assert sign("secret", BODY) == expected
    assert valid_signature("secret", BODY, expected)
    assert valid_signature("secret", BODY, expected.upper().replace("SHA256", "sha256"))


@pytest.mark.parametrize(
    "header",
    [None, "", "sha256=", "sha1=" + "0" * 40, "sha256=" + "0" * 64, "garbage"],
)
def test_bad_signatures(header) -> None:  # type: ignore[no-untyped-def]
    assert not valid_signature("secret", BODY, header)


def test_no_secret_no_trust() -> None:
    assert not valid_signature(None, BODY, sign("", BODY))
    assert not valid_signature("", BODY, sign("", BODY))
    assert not valid_signature("secret", BODY + b" ", sign("secret", BODY))


def test_verify_token() -> None:
    assert valid_verify_token("t0k", "t0k")
    assert not valid_verify_token("t0k", "t0K")
    assert not valid_verify_token("t0k", None)
    assert not valid_verify_token(None, "t0k")


def test_facebook_comment_verbs() -> None:
    value = {
        "from": {"id": "42", "name": "Anna"},
        "item": "comment",
        "comment_id": "9_1",
        "post_id": "100_9",
        "parent_id": "100_9",
        "message": "Hallo",
        "created_time": 1767225600,
    }
    payload = {
        "object": "page",
        "entry": [
            {
                "id": "100",
                "changes": [
                    {"field": "feed", "value": {**value, "verb": "add"}},
                    {
                        "field": "feed",
                        "value": {
                            **value,
                            "verb": "edited",
                            "comment_id": "9_2",
                            "parent_id": "9_1",
                            "from": {"id": "100", "name": "Stadt"},
                        },
                    },
                    {
                        "field": "feed",
                        "value": {"item": "comment", "verb": "remove", "comment_id": "9_3"},
                    },
                    {
                        "field": "feed",
                        "value": {"item": "comment", "verb": "hide", "comment_id": "9_4"},
                    },
                    {"field": "feed", "value": {"item": "reaction", "verb": "add"}},
                ],
            }
        ],
    }
    (account,) = parse(payload)
    first, second = account.comments
    assert (first.remote_id, first.parent_remote_id, first.author_name) == ("9_1", None, "Anna")
    assert first.created_at.year == 2026 and first.edited_at is None and not first.is_own
    assert second.parent_remote_id == "9_1" and second.is_own and second.edited_at is not None
    assert account.deleted == ["9_3"] and account.hidden == [("9_4", True)]


def test_instagram_comments_and_mentions() -> None:
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": "1784",
                "time": 1767225600,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "id": "c1",
                            "text": "Toll",
                            "parent_id": "c0",
                            "from": {"id": "7", "username": "anna"},
                            "media": {"id": "m1"},
                        },
                    },
                    {"field": "mentions", "value": {"media_id": "m9", "comment_id": "c9"}},
                ],
            }
        ],
    }
    (account,) = parse(payload)
    (comment,) = account.comments
    assert (comment.author_handle, comment.post_remote_id, comment.parent_remote_id) == (
        "anna",
        "m1",
        "c0",
    )
    assert account.sync_soon


@pytest.mark.parametrize(
    "payload",
    [
        [],
        "x",
        {"object": "page"},
        {"object": "page", "entry": [{"changes": []}]},
        {"object": "page", "entry": [{"id": "1", "changes": "x"}]},
    ],
)
def test_not_a_webhook(payload) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadPayload):
        parse(payload)


def test_other_objects_are_ignored() -> None:
    assert parse({"object": "whatsapp_business_account", "entry": [{"id": "1"}]}) == []
