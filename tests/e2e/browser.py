"""What the browser tests share besides fixtures: Debian's Chromium, where screenshots go, logging in by the form.

The screenshots the tests take on purpose land in tests/e2e/artifacts/screenshots (ignored), or in
SNP_SCREENSHOTS_DIR: `make screenshots` sets docs/screenshots, the committed ones.
"""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).parent / "artifacts"
# A test run leaves the tree clean: only `make screenshots` rewrites the committed docs/screenshots.
SCREENSHOTS = Path(os.environ.get("SNP_SCREENSHOTS_DIR") or ARTIFACTS / "screenshots")
DEMO_PASSWORD = "demo-cpts-2027"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(page, live_server, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form, as a person would."""
    page.goto(f"{live_server.url}/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")
