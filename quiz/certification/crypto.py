"""Encryption at rest of civil identities: Fernet tokens, keys kept outside the database.

Keys come from `IDENTITY_KEYS` in the configuration (the environment's QUIZ_IDENTITY_KEYS in
production, comma-separated, newest first) or, by default, from `instance/identity.key`
(IDENTITY_KEY_FILE elsewhere; one key a line, newest first), created on first use. Every key
decrypts; the first one encrypts.
`quiz identity rotate-key` puts a new key first, re-encrypts every row with it, and, for the
key file, drops the old keys once nothing needs them.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

KEY_FILE = "identity.key"


class KeyError_(RuntimeError):
    """No usable key, or a token no key opens: the message says what to do."""


def _key_file() -> Path:
    return Path(current_app.config.get("IDENTITY_KEY_FILE") or Path(current_app.instance_path) / KEY_FILE)


def _from_config() -> list[bytes] | None:
    value = current_app.config.get("IDENTITY_KEYS")
    if not value:
        return None
    keys = value if isinstance(value, list | tuple) else str(value).split(",")
    return [k.strip().encode() for k in keys if k and k.strip()]


def keys() -> list[bytes]:
    configured = _from_config()
    if configured:
        return configured
    path = _key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
    return [line.strip() for line in path.read_bytes().splitlines() if line.strip()]


def _fernet(key_list: list[bytes] | None = None) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k) for k in (key_list or keys())])
    except ValueError as exc:
        raise KeyError_("clé de chiffrement des identités invalide "
                        "(QUIZ_IDENTITY_KEYS ou instance/identity.key)") from exc


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise KeyError_("aucune clé ne déchiffre cette identité : clé perdue ou remplacée sans rotation") from exc


def uses_key_file() -> bool:
    return _from_config() is None


def begin_rotation() -> list[bytes]:
    """Key file mode: write a new key in front of the old ones and return the new list."""
    current = keys()
    new = [Fernet.generate_key(), *current]
    _write(new)
    return new


def finish_rotation(new_list: list[bytes]) -> None:
    """Key file mode: keep only the new key, now that every row is encrypted with it."""
    _write(new_list[:1])


def _write(key_list: list[bytes]) -> None:
    path = _key_file()
    partial = path.with_suffix(".tmp")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"\n".join(key_list) + b"\n")
    partial.replace(path)


def rotate(token: str, key_list: list[bytes] | None = None) -> str:
    return _fernet(key_list).rotate(token.encode("ascii")).decode("ascii")
