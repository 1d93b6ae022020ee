# ruff: noqa: F811 — `smtp_server` is a fixture imported from test_feeds_support and used as an argument
"""One bad message never blocks the others; no CR/LF reaches a header; sent secrets do not stay in the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import OutboxEmail, utcnow
from sched.services import outbox
from sched.services.accounts import send_invitation, send_reset
from sched.services.mail import MailError, queue_email
from tests.factories import make_user
from tests.inbox import free_port


def raw_email(to: str, subject: str) -> OutboxEmail:
    """A row written before validation existed (or by hand): the sender must survive it."""
    row = OutboxEmail(kind="test", to_addr=to, subject=subject, body_text="Texte", send_after=utcnow())
    db.session.add(row)
    db.session.commit()
    return row


def test_a_header_with_a_line_break_fails_alone_and_the_others_go_out(runner, smtp_server, territory):
    first = raw_email("a@test.fr", "Avant")
    bad_subject = raw_email("b@test.fr", "Juin\r\nBcc: evil@evil.example")
    bad_address = raw_email("weird@x\r\nBcc: evil@evil.example", "Adresse")
    last = raw_email("c@test.fr", "Après")
    result = runner.invoke(args=["outbox", "--flush"])
    assert result.exit_code == 0, result.output
    assert "Envoyés : 2" in result.output and "abandonné" in result.output
    assert sorted(m["To"] for m in smtp_server.messages) == ["a@test.fr", "c@test.fr"]
    assert all("evil" not in str(m) for m in smtp_server.messages)
    db.session.expire_all()
    for bad in (bad_subject, bad_address):
        assert bad.sent_at is None and bad.failed_at is not None and bad.attempts == 1
        assert "linefeed" in bad.last_error or "retour à la ligne" in bad.last_error
    assert first.sent_at is not None and last.sent_at is not None
    again = runner.invoke(args=["outbox", "--flush"])
    assert again.exit_code == 0 and "Envoyés : 0" in again.output, "given up: not retried every minute"


def test_flush_exits_1_only_when_nothing_could_be_sent(app, runner, smtp_server, territory):
    raw_email("a@test.fr", "Sujet")
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    result = runner.invoke(args=["outbox", "--flush"])
    assert result.exit_code == 1 and "Connection refused" in result.output


def test_queue_email_strips_line_breaks_from_the_subject_and_refuses_a_bad_address(smtp_server, territory):
    queue_email("a@test.fr", "Juin\r\nBcc: evil@evil.example", "Texte")
    db.session.commit()
    assert outbox.flush() == (1, 0)
    (message,) = smtp_server.messages
    assert message["Subject"] == "Juin Bcc: evil@evil.example" and message["Bcc"] is None
    for address in ("weird@x\r\nBcc: evil@evil.example", "pas-une-adresse", "a@b@c.fr", ""):
        with pytest.raises(MailError):
            queue_email(address, "Sujet", "Texte")


def test_sent_reset_and_invitation_links_do_not_stay_in_the_outbox(smtp_server, territory):
    user = make_user(territory, "coordinator", "coord@test.fr")
    send_invitation(user)
    send_reset(user)
    queue_email("autre@test.fr", "Planning publié", "Votre planning", kind="roster_published")
    db.session.commit()
    pending = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "password_reset")).one()
    assert "/mot-de-passe/" in pending.body_text, "kept until sent: a retry needs the link"
    assert outbox.flush() == (3, 0)
    assert "/mot-de-passe/" in str(smtp_server.to("coord@test.fr")[1])
    db.session.expire_all()
    for row in db.session.scalars(select(OutboxEmail)):
        stored = f"{row.body_text} {row.body_html or ''}"
        if row.kind in ("invitation", "password_reset"):
            assert "/mot-de-passe/" not in stored and "http" not in stored
        else:
            assert row.body_text == "Votre planning"


def test_a_given_up_reset_does_not_keep_its_link(app, territory):
    user = make_user(territory, "coordinator", "coord@test.fr")
    send_reset(user)
    db.session.commit()
    row = db.session.scalar(select(OutboxEmail))
    row.subject = "Réinitialisation\r\nBcc: evil@evil.example"  # can never be sent
    db.session.commit()
    assert outbox.flush() == (0, 1)
    db.session.expire_all()
    assert row.failed_at is not None and "/mot-de-passe/" not in row.body_text and row.body_html is None
