"""Feed tokens: the secret of a feed URL. Only its SHA-256 is stored.

The URL must stay readable on the GP's page, so the secret is not kept: it is derived again when needed,
HMAC-SHA256(SECRET_KEY, the token row's identity) — 256 bits no one can compute without the app's key.
A new address = a new row (the old one revoked), hence a new secret; the old URL answers 404 at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app
from sqlalchemy import select

from sched.extensions import db
from sched.i18n import use_zone
from sched.models import GP, FeedToken, Site, Territory, utcnow
from sched.services import audit
from sched.services.tokens import hash_secret

# The routes of sched/feeds/views.py, written out so a URL can be built outside a request (CLI, jobs).
PATHS = {"gp": "/ical/gp/{}.ics", "site": "/ical/site/{}.ics", "coordination": "/ical/coordination/{}.ics"}


def raw_secret(token: FeedToken) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    identity = f"snp-feed:{token.id}:{token.scope}:{token.territory_id}:{token.gp_id}:{token.site_id}"
    digest = hmac.new(key, identity.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def create(scope: str, territory_id: int, gp_id: int | None = None, site_id: int | None = None) -> FeedToken:
    token = FeedToken(
        scope=scope, territory_id=territory_id, gp_id=gp_id, site_id=site_id, token_hash="pending:" + scope
    )
    db.session.add(token)
    db.session.flush()  # the id is part of the secret
    token.token_hash = hash_secret(raw_secret(token))
    db.session.flush()
    return token


def current(scope: str, territory_id: int, gp_id: int | None = None, site_id: int | None = None) -> FeedToken:
    """The live token of that feed, created if there is none (the caller commits)."""
    query = select(FeedToken).where(
        FeedToken.scope == scope,
        FeedToken.territory_id == territory_id,
        FeedToken.revoked_at.is_(None),
        FeedToken.gp_id.is_(None) if gp_id is None else FeedToken.gp_id == gp_id,
        FeedToken.site_id.is_(None) if site_id is None else FeedToken.site_id == site_id,
    )
    token = db.session.scalars(query.order_by(FeedToken.id.desc())).first()
    return token or create(scope, territory_id, gp_id, site_id)


def gp_token(gp: GP) -> FeedToken:
    return current("gp", gp.user.territory_id, gp_id=gp.id)


def site_token(site: Site) -> FeedToken:
    return current("site", site.territory_id, site_id=site.id)


def coordination_token(territory_id: int) -> FeedToken:
    return current("coordination", territory_id)


def regenerate_gp(gp: GP, actor=None) -> FeedToken:
    """Revoke the GP's feed address and issue a new one."""
    now = utcnow()
    for old in db.session.scalars(select(FeedToken).where(FeedToken.gp_id == gp.id, FeedToken.revoked_at.is_(None))):
        old.revoked_at = now
    token = create("gp", gp.user.territory_id, gp_id=gp.id)
    audit.record("feed.regenerate", "gp", gp.id, actor=actor, token=token.id)
    return token


def feed_url(token: FeedToken, base: str | None = None) -> str:
    """The absolute URL of the feed: `base` (a page's own address) or BASE_URL, + path."""
    path = PATHS[token.scope].format(raw_secret(token))
    return (base or current_app.config["BASE_URL"]).rstrip("/") + path


def find(raw: str, scope: str) -> FeedToken | None:
    """The live token behind a URL secret, or None; the feed then speaks its territory's time zone."""
    token = db.session.scalar(
        select(FeedToken).where(
            FeedToken.token_hash == hash_secret(raw), FeedToken.scope == scope, FeedToken.revoked_at.is_(None)
        )
    )
    if token is not None:
        use_zone(db.session.scalar(select(Territory.timezone).where(Territory.id == token.territory_id)))
    return token
