"""What a sign-in keeps in the admin's session between "Connect" and the callback, and between
the callback and the page choice (``hub.connect.pending``): used once, for its network only, for
ten minutes; the login itself only encrypted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.fernet import Fernet

from hub import crypto
from hub.connect import pending
from hub.connect.base import FoundAccount, pkce_pair
from hub.sandbox.oauth import s256


@pytest.fixture(autouse=True)
def _keys() -> None:
    crypto.configure((Fernet.generate_key().decode(),))


def test_a_state_is_taken_once_and_only_for_its_network() -> None:
    session: dict[str, Any] = {}
    state = pending.new_state()
    pending.remember(session, state, "x", {"verifier": "v"})
    assert pending.take(session, "facebook", state) is None  # another network's callback
    pending.remember(session, state, "x", {"verifier": "v"})
    assert pending.take(session, "x", state) == {"verifier": "v"}
    assert pending.take(session, "x", state) is None  # used up
    assert pending.take(session, "x", None) is None


def test_a_state_older_than_ten_minutes_is_refused() -> None:
    session: dict[str, Any] = {}
    state = pending.new_state()
    pending.remember(session, state, "x", {})
    session[pending.STARTED][state]["at"] -= pending.MAX_AGE + 1
    assert pending.take(session, "x", state) is None


def test_a_few_sign_ins_may_be_open_at_once_the_oldest_go() -> None:
    session: dict[str, Any] = {}
    states = [pending.new_state() for _ in range(pending.MAX_OPEN + 1)]
    for n, state in enumerate(states):
        pending.remember(session, state, "x", {"n": n})
        session[pending.STARTED][state]["at"] -= len(states) - n  # each one older than the next
    assert pending.take(session, "x", states[0]) is None
    assert pending.take(session, "x", states[-1]) == {"n": pending.MAX_OPEN}


def test_the_login_waiting_for_a_choice_is_encrypted_and_expires() -> None:
    session: dict[str, Any] = {}
    login = {"user_token": "EAA-the-secret-user-token"}
    accounts = [FoundAccount("1", "Stadt Bochum", {}), FoundAccount("2", "Bochum Kultur", {})]
    pending.keep_choice(session, "facebook", login, accounts)
    assert "EAA-the-secret-user-token" not in json.dumps(session)
    assert pending.choice(session, "instagram") is None
    assert pending.choice(session, "facebook") == (
        login,
        [("1", "Stadt Bochum"), ("2", "Bochum Kultur")],
    )
    session[pending.CHOOSING]["at"] -= pending.MAX_AGE + 1
    assert pending.choice(session, "facebook") is None


def test_pkce_pair_is_rfc_7636_s256() -> None:
    verifier, challenge = pkce_pair()
    assert 43 <= len(verifier) <= 128
    # RFC 7636, appendix B: the example verifier and its challenge (the sandbox's check).
    assert s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    assert s256(verifier) == challenge
