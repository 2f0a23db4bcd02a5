"""The pseudonym secret: from the environment (hex) or a key file outside version control.

The key is never printed: ``PseudonymKey`` hides its bytes from repr/str, and jobs load it
before reading any data, so a missing key stops them with nothing read.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from jobs.common.config import Config
from jobs.common.errors import SecretError

MIN_KEY_BYTES = 16


class PseudonymKey:
    """Secret key bytes that refuse to be shown."""

    __slots__ = ("_key", "source")

    def __init__(self, key: bytes, source: str) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise SecretError(f"pseudonym key from {source} is {len(key)} bytes; "
                              f"at least {MIN_KEY_BYTES} are required")
        self._key = key
        self.source = source

    def reveal(self) -> bytes:
        return self._key

    def __repr__(self) -> str:
        return f"PseudonymKey(<hidden>, source={self.source!r})"

    __str__ = __repr__


def _from_hex(text: str, source: str) -> PseudonymKey:
    try:
        return PseudonymKey(bytes.fromhex(text.strip()), source)
    except ValueError:
        raise SecretError(f"pseudonym key from {source} is not hex") from None


def load_pseudonym_key(cfg: Config) -> PseudonymKey:
    """The key from ``$SEG_PSEUDONYM_KEY`` (hex), else the configured key file."""
    env_name = str(cfg.get("secrets.pseudonym_key_env"))
    if os.environ.get(env_name):
        return _from_hex(os.environ[env_name], f"${env_name}")
    key_file = Path(str(cfg.get("secrets.pseudonym_key_file")))
    if key_file.is_file():
        return _from_hex(key_file.read_text(encoding="utf-8"), str(key_file))
    raise SecretError(
        f"no pseudonym key: set ${env_name} (hex) or create {key_file.resolve()} "
        "(`make demo` creates one); the job stopped before reading any data")


def load_new_pseudonym_key(cfg: Config, key_file: str | None = None) -> PseudonymKey:
    """The key a rotation moves to: ``key_file`` if given, else ``$SEG_PSEUDONYM_KEY_NEW`` (hex)."""
    env_name = str(cfg.get("secrets.new_pseudonym_key_env"))
    if key_file is not None:
        path = Path(key_file)
        if not path.is_file():
            raise SecretError(f"new pseudonym key file {path.resolve()} not found; "
                              "the rotation stopped before reading any data")
        return _from_hex(path.read_text(encoding="utf-8"), str(path))
    if os.environ.get(env_name):
        return _from_hex(os.environ[env_name], f"${env_name}")
    raise SecretError(f"no new pseudonym key: set ${env_name} (hex) or pass --new-key-file; "
                      "the rotation stopped before reading any data")


def ensure_key_file(cfg: Config) -> Path:
    """Create the key file with 32 random bytes if absent (the demo's first run)."""
    key_file = Path(str(cfg.get("secrets.pseudonym_key_file")))
    if not key_file.is_file():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    return key_file
