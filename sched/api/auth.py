"""Bearer-token authentication for the regulators' software (JSON API and FHIR)."""

from __future__ import annotations

from typing import NamedTuple

from flask import g, jsonify, request
from sqlalchemy import bindparam, select

from sched.extensions import db
from sched.i18n import use_zone
from sched.models import ApiToken, Territory, User, utcnow
from sched.models.people import has_role_sql
from sched.services.tokens import hash_secret


class TokenOwner(NamedTuple):
    """Who a valid token speaks for; load the User itself only to write (see `owner()`)."""

    id: int
    territory_id: int | None
    is_regulator: bool
    timezone: str | None  # the territory's


# Plain columns, no ORM objects: every API read pays for this query.
TOKEN_OWNER = (
    select(
        ApiToken.id,
        ApiToken.last_used_at,
        User.id,
        User.territory_id,
        has_role_sql("regulator"),
        Territory.timezone,
    )
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Territory, Territory.id == User.territory_id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None), User.active.is_(True))
)


def json_error(message: str, status: int, **extra):
    return jsonify(error=message, status=status, **extra), status


def token_owner() -> TokenOwner | None:
    """The owner of the request's `Authorization: Bearer` token if it is valid, not revoked, account active."""
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    row = db.session.execute(TOKEN_OWNER, {"token_hash": hash_secret(raw.strip())}).one_or_none()
    if row is None:
        return None
    token_id, last_used_at, user_id, territory_id, regulator, timezone = row
    now = utcnow()
    # Written at most once a minute so a busy client does not turn every read into a write.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        db.session.get(ApiToken, token_id).last_used_at = now
        db.session.commit()
    return TokenOwner(user_id, territory_id, bool(regulator), timezone)


def owner() -> User:
    """The token's account as a User, for writes (booked_by, audit actor)."""
    return db.session.get(User, g.api_user.id)


def require_regulator_token():
    """before_request: 401 without a valid token, 403 when its owner is not a regulator."""
    user = token_owner()
    if user is None:
        response = json_error("Jeton d'accès manquant, invalide ou révoqué.", 401)
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="snp"'
        return response
    if not user.is_regulator or user.territory_id is None:
        return json_error("Ce jeton n'appartient pas à un compte de régulation.", 403)
    g.api_user = user
    use_zone(user.timezone)
    return None
