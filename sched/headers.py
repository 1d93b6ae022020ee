"""Security headers on every response: CSP, no framing, no MIME sniffing, no referrer outside, HSTS over HTTPS."""

from __future__ import annotations

from flask import Flask, Response

# Scripts and styles only from /static: no inline script, style attribute or handler is allowed to run.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HSTS_SECONDS = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    # Secure cookies mean the site is served over HTTPS: then browsers may be told to never use plain HTTP.
    hsts = f"max-age={HSTS_SECONDS}" if app.config["SESSION_COOKIE_SECURE"] else None

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # iCal feed and link URLs hold secrets: never send a page's address to another site.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", hsts)
        return response
