"""Secret tokens: 256 random bits shown once, only their SHA-256 stored."""

from __future__ import annotations

import hashlib
import secrets


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(the token to give out once, the hash to store)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_secret(raw)
