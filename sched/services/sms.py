"""SMS: queued in the outbox like e-mails (same transaction, retries, back-off), sent by the configured backend.

SMS_BACKEND=log writes each SMS to the log (`make run`, development); SMS_BACKEND=ovh sends it with OVHcloud's
SMS API through its official client library `ovh` (README, « SMS »).
"""

from __future__ import annotations

import logging
from typing import Any

import phonenumbers
from flask import current_app

from sched.extensions import db
from sched.models import GP, OutboxSms, utcnow

log = logging.getLogger(__name__)
MAX_LENGTH = 480  # three concatenated SMS at most
BACKENDS = ("log", "ovh")


class SmsError(ValueError):
    """Why an SMS cannot be queued, in French."""


class UndeliverableSms(Exception):
    """The provider refused the number for good: retrying would not help."""


class ProviderUnreachable(Exception):
    """The provider did not answer: the other SMS wait for the next run."""


def is_e164(phone: str) -> bool:
    if not phone or not phone.startswith("+"):
        return False
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        phonenumbers.is_valid_number(number)
        and phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
    )


def is_mobile(phone: str | None) -> bool:
    """True for a valid E.164 number that can receive SMS (mobile, or a number that may be mobile)."""
    if not phone or not is_e164(phone):
        return False
    kind = phonenumbers.number_type(phonenumbers.parse(phone, None))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def queue_sms(to_phone: str, body: str, kind: str) -> OutboxSms:
    """Add an SMS to the outbox in the caller's transaction (no commit); SmsError when number or text is wrong."""
    if not is_e164(to_phone):
        raise SmsError(f"numéro de téléphone invalide pour un SMS (format international attendu) : {to_phone!r}")
    body = body.strip()
    if not body:
        raise SmsError("le texte du SMS est vide")
    if len(body) > MAX_LENGTH:
        raise SmsError(f"le texte du SMS dépasse {MAX_LENGTH} caractères ({len(body)})")
    message = OutboxSms(kind=kind, to_phone=to_phone, body=body, send_after=utcnow())
    db.session.add(message)
    return message


def queue_sms_to_gp(gp: GP, body: str, kind: str) -> bool:
    """Queue an SMS to `gp` only if they chose SMS, have a mobile number and are active; True when queued."""
    if not (gp.sms_opt_in and gp.active and gp.user.active and is_mobile(gp.phone)):
        return False
    queue_sms(gp.phone, body, kind)
    return True


# --- sending (called by the outbox) -------------------------------------------------------------------------


def make_sender() -> Any:
    """The configured backend: an object with send(row) -> provider id (or None)."""
    backend = current_app.config["SMS_BACKEND"]
    if backend == "ovh":
        return OvhSender(current_app.config)
    if backend == "log":
        return LogSender()
    raise RuntimeError(f"SMS_BACKEND inconnu : {backend!r} (valeurs possibles : {', '.join(BACKENDS)})")


class LogSender:
    """Development backend: the SMS goes to the log, nothing leaves the machine."""

    def send(self, row: OutboxSms) -> str | None:
        log.info("SMS (SMS_BACKEND=log) à %s : %s", row.to_phone, row.body)
        return None


class OvhSender:
    """OVHcloud SMS API (POST /sms/{service}/jobs), through the official `ovh` client, which signs each call."""

    def __init__(self, config: dict) -> None:
        import ovh

        endpoint = config["SMS_OVH_ENDPOINT"]
        if endpoint.startswith(("http://", "https://")):
            # The library names its endpoints by region only; a URL (a test server, an egress proxy) is
            # registered in its endpoint table under its own name.
            ovh.client.ENDPOINTS.setdefault(endpoint, endpoint.rstrip("/"))
        self.client = ovh.Client(
            endpoint=endpoint,
            application_key=config["SMS_OVH_APPLICATION_KEY"],
            application_secret=config["SMS_OVH_APPLICATION_SECRET"],
            consumer_key=config["SMS_OVH_CONSUMER_KEY"],
            timeout=(10, 30),
        )
        self.errors = ovh.exceptions
        self.service = config["SMS_OVH_SERVICE_NAME"]
        self.sender = config["SMS_SENDER"]

    def send(self, row: OutboxSms) -> str | None:
        job = {"message": row.body, "receivers": [row.to_phone], "charset": "UTF-8", "priority": "high"}
        job["noStopClause"] = True  # service messages to the GP, not marketing: no « STOP » line
        if self.sender:
            job["sender"] = self.sender
        else:
            job["senderForResponse"] = True
        try:
            result = self.client.post(f"/sms/{self.service}/jobs", **job)
        except (self.errors.NetworkError, self.errors.HTTPError) as error:
            raise ProviderUnreachable(str(error)) from error
        if row.to_phone in (result.get("invalidReceivers") or []):
            raise UndeliverableSms(f"numéro refusé par OVHcloud : {row.to_phone}")
        return ",".join(str(i) for i in result.get("ids") or []) or None
