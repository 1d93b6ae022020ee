"""SMS sent through the outbox with the official `ovh` client against a local server speaking OVHcloud's API."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from sched.extensions import db
from sched.models import OutboxSms, utcnow
from sched.services import outbox
from sched.services.mail import queue_email
from sched.services.sms import queue_sms
from tests.web import ovh_api


@pytest.fixture
def ovh_server(app):
    server = ovh_api.OvhSmsApi().start()
    app.config.update(
        SMS_BACKEND="ovh",
        SMS_SENDER="CPTSTEST",
        SMS_OVH_ENDPOINT=server.url,
        SMS_OVH_APPLICATION_KEY=ovh_api.APPLICATION_KEY,
        SMS_OVH_APPLICATION_SECRET=ovh_api.APPLICATION_SECRET,
        SMS_OVH_CONSUMER_KEY=ovh_api.CONSUMER_KEY,
        SMS_OVH_SERVICE_NAME=ovh_api.SERVICE,
    )
    yield server
    server.stop()


def test_an_sms_reaches_the_provider_signed_and_is_marked_sent(ovh_server):
    queue_sms("+33612345678", "Garde du 5 avril à pourvoir : https://exemple/x", "replacement-offer")
    db.session.commit()
    assert outbox.flush() == (1, 0)
    (job,) = ovh_server.jobs
    assert job["receivers"] == ["+33612345678"] and job["message"].startswith("Garde du 5 avril à pourvoir")
    assert job["sender"] == "CPTSTEST" and job["noStopClause"] is True
    row = db.session.scalar(select(OutboxSms))
    assert row.sent_at is not None and row.provider_id == "1001" and row.attempts == 1
    assert outbox.flush() == (0, 0), "sent once only"


def test_provider_down_keeps_the_sms_and_retries_with_back_off(runner, ovh_server):
    queue_sms("+33612345678", "Bonjour", "test")
    db.session.commit()
    ovh_server.status = 503
    result = runner.invoke(args=["outbox", "--flush"])
    assert result.exit_code == 1 and "Service unavailable" in result.output and "SMS « Bonjour »" in result.output
    row = db.session.scalar(select(OutboxSms))
    assert row.sent_at is None and row.failed_at is None and row.attempts == 1 and row.send_after > utcnow()
    ovh_server.status = 200
    row.send_after = utcnow()
    db.session.commit()
    assert outbox.flush() == (1, 0)
    assert [j["message"] for j in ovh_server.jobs] == ["Bonjour"]


def test_a_number_the_provider_refuses_is_given_up_and_the_others_go(ovh_server):
    ovh_server.refused_numbers.add("+33611111111")
    queue_sms("+33611111111", "Refusé", "test")
    queue_sms("+33622222222", "Accepté", "test")
    queue_email("medecin@test.fr", "Un e-mail", "Texte")  # SMTP is down here: e-mail failures do not stop SMS
    db.session.commit()
    sent, failed = outbox.flush()
    assert sent == 1 and failed == 2
    refused, accepted = db.session.scalars(select(OutboxSms).order_by(OutboxSms.id))
    assert refused.failed_at is not None and "+33611111111" in refused.last_error
    assert accepted.sent_at is not None


def test_the_log_backend_writes_the_sms_to_the_log(app, caplog):
    assert app.config["SMS_BACKEND"] == "log", "the default: `make run` sends no real SMS"
    queue_sms("+33612345678", "Bonjour du planning", "test")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="sched.services.sms"):
        assert outbox.flush() == (1, 0)
    assert "+33612345678" in caplog.text and "Bonjour du planning" in caplog.text


def test_two_senders_with_a_slow_provider_send_each_sms_once(app, ovh_server):
    from tests.factories import run_in_threads

    ovh_server.delay = 0.1
    numbers = [f"+336123456{n:02d}" for n in range(10)]
    for number in numbers:
        queue_sms(number, "Bonjour", "test")
    db.session.commit()
    assert run_in_threads(app, 3, outbox.flush) == []
    assert sorted(r for job in ovh_server.jobs for r in job["receivers"]) == numbers
