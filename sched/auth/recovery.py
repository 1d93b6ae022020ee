"""A form sent after its session ended (or with a stale CSRF token) is kept, not lost: after logging in again the
person is back on the form with what they had chosen, not yet saved.

The choices wait in the session cookie (signed, zlib-compressed by Flask when that is shorter), under the path of
the form and the account that sent it; they are shown once, only to that account, and never saved without a new
click on « Enregistrer ». Only the forms listed in RECOVERABLE are kept: each must read them back (`take`).
"""

from __future__ import annotations

import time

from flask import flash, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

KEY = "kept_form"
RECOVERABLE = {"gp.answer", "coordination.answer_entry"}
MAX_AGE_SECONDS = 24 * 3600
SKIPPED = {"csrf_token", "owner"}


def recoverable() -> bool:
    return request.method == "POST" and request.endpoint in RECOVERABLE


def sender_id() -> int | None:
    """The account that sent the form: the live login, else the one the form was rendered for."""
    if current_user.is_authenticated:
        return current_user.id
    owner = request.form.get("owner", "")
    return int(owner) if owner.isdigit() else None


def keep() -> None:
    session[KEY] = {
        "path": request.path,
        "owner": sender_id(),
        "at": int(time.time()),
        # « unavailable » is every garde's default: leaving it out keeps the cookie small (124 gardes: 0.8 kB).
        "form": [
            (key, value)
            for key, value in request.form.items(multi=True)
            if key not in SKIPPED and value != "unavailable"
        ],
    }


def keep_and_redirect():
    """Keep the posted form, then back to it (stale token) or to the login page (session gone)."""
    keep()
    if current_user.is_authenticated:
        flash("La page était restée ouverte trop longtemps : vos choix sont repris ci-dessous. "
              "Vérifiez-les puis enregistrez.", "warning")  # fmt: skip
        return redirect(request.path)
    flash("Votre session a expiré. Reconnectez-vous : vos choix sont gardés et seront repris "
          "(rien n'a encore été enregistré).", "warning")  # fmt: skip
    return redirect(url_for("auth.login", next=request.path))


def take(path: str) -> MultiDict | None:
    """The form kept for `path` and the current account, once; None when there is none (or not theirs)."""
    kept = session.get(KEY)
    if not kept or kept.get("path") != path:
        return None
    session.pop(KEY)
    if kept.get("owner") not in (None, current_user.id) or time.time() - kept.get("at", 0) > MAX_AGE_SECONDS:
        return None
    return MultiDict(kept.get("form", []))
