"""Logging: one readable line per event on stderr, the same for web, CLI and scheduler; no secret in it.

The access logs (werkzeug's under `sched run`, gunicorn's `gunicorn.access`) print each request line: the
single-use links (/mot-de-passe/<token>, /invitation/<token>), the iCal feed URLs (/ical/…/<token>.ics) and any
long token in a path or a query are replaced by [secret] before a line is written.
"""

import logging
import re

from flask import Flask

ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
SECRET = "[secret]"
SECRET_PATTERNS = (
    re.compile(r"(/(?:mot-de-passe|invitation)/)(?!oublie\b)[^/\s?#\"]+"),
    re.compile(r"(/ical/[^/\s?#\"]+/)[^/\s?#\"]+?(?=\.ics\b)"),
    re.compile(r"([?&](?:token|secret|key|code)=)[^&\s#\"]+", re.IGNORECASE),
    # token_urlsafe(32) makes 43 characters: no ordinary path segment is that long without a dot or a space.
    re.compile(r"(/)[A-Za-z0-9_-]{40,}"),
)


def redact(text: str) -> str:
    """`text` with the secrets of every URL in it replaced by [secret]."""
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(rf"\1{SECRET}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message holds a secret URL; the line is still written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def configure(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
