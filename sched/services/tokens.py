"""Secret tokens: 256 random bits shown once, only their SHA-256 stored; the regulators' API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sched.extensions import db
from sched.models import ApiToken, User
from sched.services import audit

NAME_MAX = 100


class TokenError(ValueError):
    """Why an API token cannot be created, in French; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret() -> tuple[str, str]:
    """(the token to give out once, the hash to store)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_secret(raw)


def issue_api_token(user: User, name: object, actor: User | None) -> tuple[ApiToken, str]:
    """A Bearer token for `user`'s regulation software: (the stored token, the secret to show once).

    The caller commits. Only active regulator accounts may hold one; the name says which software or desk uses it.
    """
    if not user.active or not user.has_role("regulator"):
        raise TokenError(f"{user.email} n'est pas un compte de régulation actif", "user")
    name = str(name or "").strip()
    if not name or len(name) > NAME_MAX:
        raise TokenError(f"le nom doit faire de 1 à {NAME_MAX} caractères", "name")
    raw, token_hash = new_secret()
    token = ApiToken(user_id=user.id, name=name, token_hash=token_hash)
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.create", "api_token", token.id, actor=actor, user=user.id, name=name)
    return token, raw
