"""queue_sms / queue_sms_to_gp: what reaches the SMS outbox, in the caller's transaction, and what is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sched.extensions import db
from sched.models import OutboxSms
from sched.services.sms import MAX_LENGTH, SmsError, queue_sms, queue_sms_to_gp
from tests.factories import make_user


def sms_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxSms))


def test_queue_sms_is_part_of_the_callers_transaction(app):
    row = queue_sms("+33612345678", "Garde du 5 avril à pourvoir", "replacement-offer")
    db.session.flush()
    assert row.id is not None and row.attempts == 0 and row.sent_at is None and row.kind == "replacement-offer"
    db.session.rollback()
    assert sms_count() == 0, "rolled back with the change it announced"
    queue_sms("+33612345678", "Bonjour", "test")
    db.session.commit()
    assert sms_count() == 1


@pytest.mark.parametrize("phone", ["0612345678", "+33 6 12 34 56 78", "+3361234", "", "+33612345678\r\n"])
def test_queue_sms_refuses_what_is_not_e164(app, phone):
    with pytest.raises(SmsError, match="numéro de téléphone invalide"):
        queue_sms(phone, "Bonjour", "test")
    assert sms_count() == 0


def test_queue_sms_refuses_an_empty_or_too_long_text(app):
    queue_sms("+33612345678", "x" * MAX_LENGTH, "test")
    with pytest.raises(SmsError, match="dépasse 480 caractères"):
        queue_sms("+33612345678", "x" * (MAX_LENGTH + 1), "test")
    with pytest.raises(SmsError, match="vide"):
        queue_sms("+33612345678", "   ", "test")


def test_queue_sms_to_gp_only_when_the_gp_chose_sms_and_can_receive_it(app, territory):
    gp = make_user(territory, "gp", "medecin@test.fr").gp
    assert gp.sms_opt_in is False, "SMS is opt-in"
    assert queue_sms_to_gp(gp, "Bonjour", "test") is False
    gp.sms_opt_in = True
    assert queue_sms_to_gp(gp, "Bonjour", "test") is True
    db.session.commit()
    assert db.session.scalar(select(OutboxSms.to_phone)) == "+33612345678"
    gp.phone = "+33387000000"  # a landline receives no SMS
    assert queue_sms_to_gp(gp, "Bonjour", "test") is False
    gp.phone = None
    assert queue_sms_to_gp(gp, "Bonjour", "test") is False
    gp.phone = "+33612345678"
    gp.active = False
    assert queue_sms_to_gp(gp, "Bonjour", "test") is False
    gp.active, gp.user.active = True, False
    assert queue_sms_to_gp(gp, "Bonjour", "test") is False
    db.session.commit()
    assert sms_count() == 1


def test_the_database_refuses_an_sms_row_that_bypasses_the_service(app):
    from sqlalchemy.exc import IntegrityError

    db.session.add(OutboxSms(kind="test", to_phone="0612345678", body="x"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
