"""The rendered daily list, shared by every regulator of a territory for the current minute.

Every regulator of a territory sees the same list, so its rendering (HTML fragment, JSON) is kept once per
territory, day and minute, and dropped as soon as a booking, a cancellation or a publication changes the
fingerprint. Only the list is kept: the page around it (the user's name, their CSRF token) is rendered per
request, behind the role guard.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import RosterVersion, SlotBooking

# What changes whenever a booking is made or cancelled or a planning is published.
FINGERPRINT = select(
    select(func.max(SlotBooking.id)).scalar_subquery(),
    select(func.count(SlotBooking.cancelled_at)).scalar_subquery(),
    select(func.max(RosterVersion.published_at)).scalar_subquery(),
)


def fingerprint() -> tuple:
    return tuple(db.session.execute(FINGERPRINT).one())


class RenderCache:
    """A bounded least-recently-used map of rendered lists, safe for threaded workers."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def values(self) -> list[Any]:
        with self._lock:
            return list(self._items.values())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get_or_render(self, kind: str, territory_id: int, day: date, now: datetime, render: Callable[[], Any]) -> Any:
        """The value kept for (kind, territory, day, this minute, fingerprint), else render() kept."""
        minute = now.replace(second=0, microsecond=0)
        # The app and database are part of the key: one process may serve several (the tests do).
        key = (kind, current_app.name, str(db.engine.url), territory_id, day, minute, fingerprint())
        value = self.get(key)
        if value is None:
            value = render()
            self.put(key, value)
        return value


lists = RenderCache()
