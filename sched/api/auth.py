"""Bearer-token authentication for the regulators' software (JSON API and FHIR)."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sched.extensions import db
from sched.models import ApiToken, User, utcnow
from sched.services.tokens import hash_secret


def json_error(message: str, status: int, **extra):
    return jsonify(error=message, status=status, **extra), status


def token_user() -> User | None:
    """The user of the request's `Authorization: Bearer` token, if it is valid and not revoked."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    token = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))
        .where(ApiToken.token_hash == hash_secret(raw.strip()), ApiToken.revoked_at.is_(None))
    )
    if token is None or not token.user.active:
        return None
    now = utcnow()
    # Written at most once a minute so a busy client does not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        db.session.commit()
    return token.user


def require_regulator_token():
    """before_request: 401 without a valid token, 403 when its owner is not a regulator."""
    user = token_user()
    if user is None:
        response = json_error("Jeton d'accès manquant, invalide ou révoqué.", 401)
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="snp"'
        return response
    if not user.has_role("regulator") or user.territory_id is None:
        return json_error("Ce jeton n'appartient pas à un compte de régulation.", 403)
    g.api_user = user
    return None
