"""Logging: one readable line per event on stderr, the same for web, CLI and scheduler."""

import logging

from flask import Flask


def configure(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app.logger.setLevel(level)
