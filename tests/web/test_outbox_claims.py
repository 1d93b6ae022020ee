"""Two senders at once against a slow real SMTP server: every message is delivered exactly once (issue 18 item 11).

Threads stand in for two scheduler processes: each opens its own app context, session and database connection,
exactly as a second `python -m sched scheduler` would; the SMTP server (aiosmtpd) takes 0.15 s per message.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import OutboxEmail, utcnow
from sched.services import outbox
from sched.services.mail import queue_email
from tests.factories import run_in_threads
from tests.inbox import Inbox, serving


class SlowInbox(Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        await asyncio.sleep(0.15)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(app):
    with serving(app, SlowInbox()) as inbox:
        yield inbox


def test_two_senders_with_a_slow_smtp_server_deliver_each_message_once(app, slow_smtp):
    for n in range(12):
        queue_email(f"medecin{n}@test.fr", f"Message {n}", "Texte", kind="test")
    db.session.commit()
    results: list[tuple[int, int]] = []
    errors = run_in_threads(app, 3, lambda: results.append(outbox.flush()))
    assert errors == []
    delivered = Counter(m["To"] for m in slow_smtp.messages)
    assert sorted(delivered) == sorted(f"medecin{n}@test.fr" for n in range(12))
    assert set(delivered.values()) == {1}, f"sent twice: {[k for k, v in delivered.items() if v > 1]}"
    assert sum(sent for sent, _ in results) == 12 and sum(failed for _, failed in results) == 0
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(OutboxEmail.sent_at.is_(None))) == 0
    assert {m.attempts for m in db.session.scalars(select(OutboxEmail))} == {1}


def test_a_claim_left_by_a_dead_sender_is_taken_over_after_the_timeout(app, slow_smtp):
    message = queue_email("x@test.fr", "Repris", "Texte", kind="test")
    db.session.commit()
    message.claimed_at, message.claimed_by = utcnow(), "host:4242:dead"
    db.session.commit()
    assert outbox.flush() == (0, 0), "a fresh claim belongs to another sender"
    message.claimed_at = utcnow() - outbox.CLAIM_TIMEOUT - timedelta(seconds=1)
    db.session.commit()
    assert outbox.flush() == (1, 0)
    assert [m["Subject"] for m in slow_smtp.messages] == ["Repris"]
    assert message.attempts == 1 and message.sent_at is not None
