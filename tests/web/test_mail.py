"""E-mail end to end: queued in the outbox, sent by the outbox job to a real SMTP server (aiosmtpd) in this process."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from sched.extensions import db
from sched.models import OutboxEmail, utcnow
from sched.services import notifications, outbox
from sched.services.accounts import send_invitation, send_reset
from sched.services.mail import queue_email
from tests.factories import make_period, make_user, numbered_gp, publish_version
from tests.inbox import free_port, html_of, text_of


def test_invitation_and_reset_reach_the_smtp_server_in_french_text_and_html(smtp_server, territory):
    user = make_user(territory, "coordinator", "coord@test.fr")
    user.password_hash = None  # invited, no password yet (one who has a password is told to log in as usual)
    send_invitation(user)
    user.password_hash = "chosen since"
    send_reset(user)
    db.session.commit()
    assert outbox.flush() == (2, 0)
    invitation, reset = smtp_server.to("coord@test.fr")
    assert invitation["Subject"] == "Invitation au planning des soins non programmés"
    assert "Choisissez votre mot de passe" in text_of(invitation)
    assert "http://localhost/" in text_of(invitation) and "<a href=" in html_of(invitation)
    assert reset["Subject"] == "Réinitialisation de votre mot de passe"
    assert all(m.sent_at is not None for m in db.session.scalars(select(OutboxEmail)))


def test_period_opened_goes_to_every_active_gp(smtp_server, territory):
    gps = [numbered_gp(territory, n) for n in (1, 2, 3)]
    gps[2].active = False
    period = make_period(territory, date(2027, 4, 1), 3, state="collecting")
    period.deadline = utcnow() + timedelta(days=10)
    assert notifications.period_opened(period) == 2
    db.session.commit()
    outbox.flush()
    assert sorted(m["To"] for m in smtp_server.messages) == ["medecin1@test.fr", "medecin2@test.fr"]
    body = text_of(smtp_server.messages[0])
    assert "Date limite de réponse" in body and "http://localhost/gp/" in body
    assert "jeudi 1er avril 2027" in body


def test_publication_then_amendment_tells_only_the_gps_whose_gardes_changed(smtp_server, territory):
    a, b, c = (numbered_gp(territory, n) for n in (1, 2, 3))
    period = make_period(territory, date(2027, 4, 5), 3)
    s = period.shifts
    first = publish_version(period, [(s[0], a), (s[1], b), (s[2], c)])
    assert notifications.roster_published(first, None) == 3
    db.session.commit()
    outbox.flush()
    published = smtp_server.to("medecin1@test.fr")[0]
    assert published["Subject"] == f"Planning publié : {period.name}"
    assert "garde du lundi 5 avril 2027, 18:00 – 20:00, Cabinet de garde Test" in text_of(published)
    smtp_server.messages.clear()
    # Amendment: the 7th moves from C to A; B is untouched and hears nothing.
    second = publish_version(period, [(s[0], a), (s[1], b), (s[2], a)])
    assert notifications.roster_published(second, first) == 2
    db.session.commit()
    outbox.flush()
    assert sorted(m["To"] for m in smtp_server.messages) == ["medecin1@test.fr", "medecin3@test.fr"]
    to_a, to_c = text_of(smtp_server.to("medecin1@test.fr")[0]), text_of(smtp_server.to("medecin3@test.fr")[0])
    assert "Gardes ajoutées" in to_a and "mercredi 7 avril 2027" in to_a and "Gardes retirées" not in to_a
    assert "Gardes retirées" in to_c and "mercredi 7 avril 2027" in to_c
    assert "Vous n'avez plus de garde sur cette période." in to_c
    assert "Gardes retirées" in html_of(smtp_server.to("medecin3@test.fr")[0])


def test_smtp_down_keeps_the_message_and_retries_with_back_off(app, smtp_server, territory):
    queue_email("x@test.fr", "Sujet", "Texte", "<p>HTML</p>", kind="test")
    db.session.commit()
    port = app.config["SMTP_PORT"]
    app.config["SMTP_PORT"] = free_port()  # nobody listens there
    assert outbox.flush() == (0, 1)
    message = db.session.scalar(select(OutboxEmail))
    assert message.sent_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    first_retry = message.send_after
    assert first_retry > utcnow() + timedelta(seconds=50)
    assert outbox.flush() == (0, 0), "not due yet: the back-off is respected"
    message.send_after = utcnow()
    db.session.commit()
    assert outbox.flush() == (0, 1)
    assert message.attempts == 2 and message.send_after - utcnow() > timedelta(minutes=1, seconds=50)
    app.config["SMTP_PORT"] = port
    message.send_after = utcnow()
    db.session.commit()
    assert outbox.flush() == (1, 0)
    assert smtp_server.to("x@test.fr")[0]["Subject"] == "Sujet"
    assert message.sent_at is not None and message.last_error is None


def test_a_refused_message_is_not_marked_sent(smtp_server, territory):
    queue_email("y@test.fr", "Refusé", "Texte")
    db.session.commit()
    smtp_server.refuse = True
    assert outbox.flush() == (0, 1)
    message = db.session.scalar(select(OutboxEmail))
    assert message.sent_at is None and "451" in message.last_error
    assert db.session.scalar(select(OutboxEmail).where(OutboxEmail.id == message.id)) is not None


def test_outbox_command_shows_and_flushes(runner, smtp_server, territory):
    queue_email("z@test.fr", "En attente", "Texte", kind="test")
    db.session.commit()
    shown = runner.invoke(args=["outbox"])
    assert "1 message(s) en attente" in shown.output and "z@test.fr" in shown.output
    flushed = runner.invoke(args=["outbox", "--flush"])
    assert flushed.exit_code == 0 and "Envoyés : 1" in flushed.output and "File d'envoi vide" in flushed.output
    assert smtp_server.to("z@test.fr")
