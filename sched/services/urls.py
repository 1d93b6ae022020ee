"""Absolute URLs for e-mails, CLI output and jobs, built from BASE_URL (no request needed)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under the configured BASE_URL, inside or outside a request."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)
