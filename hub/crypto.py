"""Encryption at rest for channel credentials (MultiFernet, rotation-ready).

The first key encrypts; every key decrypts. To rotate, put a new key first in
``HUB_ENCRYPTION_KEYS`` and run ``hub rotate-keys`` to re-encrypt the stored values.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_keyring: MultiFernet | None = None


def configure(keys: tuple[str, ...]) -> None:
    """Install the keys the process uses; called once by ``create_app``."""
    global _keyring
    _keyring = MultiFernet([Fernet(k.encode()) for k in keys])


def keyring() -> MultiFernet:
    if _keyring is None:
        raise RuntimeError("hub.crypto.configure() has not been called")
    return _keyring


def encrypt_json(value: Any) -> str:
    return keyring().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> Any:
    try:
        return json.loads(keyring().decrypt(token.encode()))
    except InvalidToken as exc:
        raise RuntimeError(
            "Stored credentials cannot be decrypted: is HUB_ENCRYPTION_KEYS missing a key?"
        ) from exc


def rotate(token: str) -> str:
    return keyring().rotate(token.encode()).decode()


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored as a Fernet token; never readable in the database."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else encrypt_json(value)

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        return None if value is None else decrypt_json(value)
