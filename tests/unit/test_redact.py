"""The one redaction of secrets (issue 12, finding 7): what it removes, where, and what it keeps."""

from __future__ import annotations

import logging
import sys

import pytest

from hub.redact import MARK, RedactingFilter, redact

SECRETS = ("EAABsecret", "proof123", "cs-42", "rt-77", "cv-99", "ots-5", "hunter2", "abc.def")


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (  # a Graph URL as urllib3 names it in a connection error
            "Max retries exceeded with url: /v23.0/1/posts?fields=id%2Cmessage&limit=100"
            "&access_token=EAABsecret&appsecret_proof=proof123 (Caused by NewConnectionError",
            ["EAABsecret", "proof123"],
            ["fields=id%2Cmessage", "limit=100", "(Caused by"],
        ),
        (  # a token exchange as a form body (Instagram's refresh adds client_secret)
            "grant_type=fb_exchange_token&client_id=17&client_secret=cs-42"
            "&fb_exchange_token=EAABsecret",
            ["cs-42", "EAABsecret"],
            ["grant_type=fb_exchange_token", "client_id=17"],
        ),
        (  # JSON answers
            '{"access_token": "EAABsecret", "token_type": "bearer", "refresh_token":"rt-77",'
            ' "expires_in": 3600}',
            ["EAABsecret", "rt-77"],
            ['"token_type": "bearer"', '"expires_in": 3600'],
        ),
        (  # JSON inside a repr (escaped quotes)
            'HTTPError(\'400: {\\"client_secret\\": \\"cs-42\\", \\"error\\": \\"bad\\"}\')',
            ["cs-42"],
            ['\\"error\\": \\"bad\\"'],
        ),
        (  # a Python dict as repr() shows it
            "{'code_verifier': 'cv-99', 'oauth_token_secret': 'ots-5', 'name': 'Stadt'}",
            ["cv-99", "ots-5"],
            ["'name': 'Stadt'"],
        ),
        ("password=hunter2&email=a%40b.de", ["hunter2"], ["email=a%40b.de"]),
        ('{"password": "hunter2"}', ["hunter2"], ['"password"']),
        ("Authorization: Bearer abc.def\r\nAccept: */*", ["abc.def"], ["Accept: */*"]),
        ("{'Authorization': 'Bearer abc.def', 'Accept': 'json'}", ["abc.def"], ["'Accept'"]),
        (
            'Authorization: OAuth oauth_consumer_key="k1", oauth_token="abc.def", '
            'oauth_signature="proof123"',
            ["abc.def", "proof123"],
            [],
        ),
        ("sent with bearer abc.def to X", ["abc.def"], ["to X"]),
        (  # a redirect that carries a token, URL-encoded once more
            "next=https%3A%2F%2Fhub%2Fcb%3Faccess_token%3DEAABsecret%26state%3Ds1",
            ["EAABsecret"],
            ["state%3Ds1"],
        ),
    ],
)
def test_secrets_are_redacted_where_they_stand(text: str, gone: list[str], kept: list[str]) -> None:
    clean = redact(text)
    for secret in gone:
        assert secret not in clean
    for part in kept:
        assert part in clean
    assert MARK in clean
    assert redact(clean) == clean  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "Die Kortumstraße ist am Samstag gesperrt. https://www.bochum.de/sperrung?x=1",
        "delivery 42 attempt 3: X answered HTTP 503",
        "token_type=bearer&expires_in=3600",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_none_stays_none() -> None:
    assert redact(None) is None


def _record(msg: str, *args: object, exc_info=None) -> logging.LogRecord:  # type: ignore[no-untyped-def]
    return logging.LogRecord("hub.test", logging.WARNING, __file__, 1, msg, args, exc_info)


def test_the_filter_redacts_the_message_its_args_and_the_traceback() -> None:
    try:
        raise ConnectionError("url: /feed?access_token=EAABsecret&appsecret_proof=proof123")
    except ConnectionError as exc:
        record = _record("delivery %s: %r", 7, exc, exc_info=sys.exc_info())
    assert RedactingFilter().filter(record) is True
    line = logging.Formatter("%(levelname)s %(message)s").format(record)
    assert "delivery 7:" in line and "ConnectionError" in line  # the traceback is kept
    for secret in SECRETS:
        assert secret not in line


def test_the_filter_leaves_clean_records_as_they_are() -> None:
    record = _record("delivery %s published as %s", 7, "123_456")
    RedactingFilter().filter(record)
    assert record.args == (7, "123_456") and record.getMessage() == (
        "delivery 7 published as 123_456"
    )
