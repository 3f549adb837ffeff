"""What a sign-in keeps between the admin's requests, in the (signed) session.

From "Connect" to the network's callback, hub keeps the ``state`` it sent (the callback must
bring it back: OAuth's protection against a forged callback) and what the flow needs then (a
PKCE verifier, Flickr's request token), for at most ten minutes and for a few sign-ins at once
(two tabs). Between the callback and the admin's choice in the page picker it keeps the login
itself, encrypted with hub's keys (the session cookie is signed, not secret), and only the ids
and names of the accounts to choose from. Nothing here is written to the database.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from hub import crypto
from hub.connect.base import FoundAccount

STARTED = "hub_connect"
CHOOSING = "hub_connect_choice"
MAX_AGE = 600  # seconds from "Connect" to the callback, and from the callback to the choice
MAX_OPEN = 4  # sign-ins started and not finished, per session


def new_state() -> str:
    return secrets.token_urlsafe(24)


def remember(
    session: MutableMapping[str, Any], state: str, network: str, kept: Mapping[str, Any]
) -> None:
    """Keep a started sign-in under its ``state`` (the oldest go when there are too many)."""
    now = time.time()
    started = {
        key: entry
        for key, entry in (session.get(STARTED) or {}).items()
        if now - entry["at"] < MAX_AGE
    }
    started[state] = {"network": network, "at": now, "kept": dict(kept)}
    newest = sorted(started.items(), key=lambda item: item[1]["at"])[-MAX_OPEN:]
    session[STARTED] = dict(newest)


def take(
    session: MutableMapping[str, Any], network: str, state: str | None
) -> dict[str, Any] | None:
    """What was kept for this ``state``, used up; None when it is unknown, for another network
    or older than :data:`MAX_AGE`."""
    started = dict(session.get(STARTED) or {})
    entry = started.pop(state, None) if state else None
    session[STARTED] = started
    if entry is None or entry["network"] != network or time.time() - entry["at"] > MAX_AGE:
        return None
    return dict(entry["kept"])


def keep_choice(
    session: MutableMapping[str, Any],
    network: str,
    login: Mapping[str, Any],
    accounts: Sequence[FoundAccount],
) -> None:
    session[CHOOSING] = {
        "network": network,
        "at": time.time(),
        "login": crypto.encrypt_json(dict(login)),
        "accounts": [[a.external_id, a.name] for a in accounts],
    }


def choice(
    session: Mapping[str, Any], network: str
) -> tuple[dict[str, Any], list[tuple[str, str]]] | None:
    """The login waiting for the admin's choice and the accounts offered, or None."""
    entry = session.get(CHOOSING)
    if not entry or entry["network"] != network or time.time() - entry["at"] > MAX_AGE:
        return None
    offered = [(str(i), str(n)) for i, n in entry["accounts"]]
    return crypto.decrypt_json(entry["login"]), offered


def drop_choice(session: MutableMapping[str, Any]) -> None:
    session.pop(CHOOSING, None)
