"""Input the database can hold, checked once for every route: ids within its integers, no NUL character.

Without this, an id of 2^63 in a URL or a JSON body, or a NUL byte in a text field (PostgreSQL refuses it),
reached the database driver and ended as a 500. Each now gets its 4xx with a French message.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from sched.errors import render_error

# Every id column is an INTEGER: 32 bits on PostgreSQL (64 on SQLite). A larger id names no row on either.
MAX_ID = 2**31 - 1
NUL_MESSAGE = "Le caractère nul (\\0) n'est pas accepté dans un texte envoyé : corrigez la saisie."
OUT_OF_RANGE_MESSAGE = "Une valeur envoyée dépasse les limites acceptées (identifiant ou nombre trop grand)."


class IdConverter(IntegerConverter):
    """`<int:…>` bounded to what the database stores: a larger number does not match the route (404)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def json_id(value: Any) -> int | None:
    """A JSON value usable as an id (an integer between 1 and MAX_ID, not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        return None
    return value


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def refuse_nul():
    """Before every view: a NUL in the query string, a form field or a JSON string is a 400."""
    texts = [*request.args.listvalues(), *request.form.listvalues()]
    if any(has_nul(value) for values in texts for value in values):
        return render_error(400, NUL_MESSAGE)
    if request.is_json and has_nul(request.get_json(silent=True)):
        return render_error(400, NUL_MESSAGE)
    return None


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter (before the blueprints) and the NUL and overflow guards."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_nul)

    def out_of_range(error: Exception):
        # Last line of defence for the numbers a form or a JSON body carries into a query (an id field of 2^64).
        from sched.extensions import db

        db.session.rollback()
        app.logger.warning("value out of range on %s: %s", request.path, error)
        return render_error(400, OUT_OF_RANGE_MESSAGE)

    app.register_error_handler(OverflowError, out_of_range)
    app.register_error_handler(DataError, out_of_range)
