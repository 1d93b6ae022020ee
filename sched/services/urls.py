"""Absolute URLs: from BASE_URL for e-mails, CLI output, jobs and feeds; from the request for a page's own links."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of `endpoint` under the configured BASE_URL, inside or outside a request."""
    base = current_app.config["BASE_URL"].rstrip("/")
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def page_base() -> str:
    """The root of addresses shown to the logged-in user on a page: SNP_BASE_URL when set, else the served address.

    The Host header is the client's own: fine for links its user reads on a page it asked for, never for what
    leaves the request (e-mails, feeds' contents, the FHIR/API bundle use BASE_URL).
    """
    if current_app.config.get("BASE_URL_FIXED") or not has_request_context():
        return current_app.config["BASE_URL"].rstrip("/")
    return request.host_url.rstrip("/")
