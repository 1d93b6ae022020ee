"""The audit log: every write adds an event in the same transaction."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from sched.extensions import db
from sched.models import AuditEvent, User


def record(action: str, object_type: str, object_id: Any = None, actor: User | None = None, **details: Any) -> None:
    """Add an audit event to the session; it commits (or rolls back) with the change it describes."""
    if actor is None and current_user and getattr(current_user, "is_authenticated", False):
        actor = current_user._get_current_object()
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            details=details or None,
        )
    )
