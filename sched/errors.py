"""Error pages in French; JSON errors for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sched.auth import recovery

MESSAGES = {
    400: "La requête n'a pas pu être comprise.",
    403: "Vous n'avez pas accès à cette page.",
    404: "Cette page n'existe pas ou n'existe plus.",
    405: "Cette action n'est pas permise ici.",
    413: "Les données envoyées sont trop volumineuses.",
    429: "Trop de tentatives. Patientez une minute avant de réessayer.",
    500: "Une erreur inattendue s'est produite. L'équipe technique a été prévenue.",
}


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/fhir/")) or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str | None = None):
    message = message or MESSAGES.get(status, MESSAGES[500])
    if request.path.startswith("/fhir/"):  # FHIR clients read an OperationOutcome
        from sched.fhir.profiles import FHIR_JSON, operation_outcome

        return jsonify(operation_outcome(status, message)), status, {"Content-Type": FHIR_JSON}
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if recovery.recoverable():  # the session or its token is gone: keep the choices, log in again
            return recovery.keep_and_redirect()
        return render_error(400, "Le formulaire a expiré ou n'est pas valide. Rechargez la page et recommencez.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        custom = error.description if getattr(error, "french", False) else None
        return render_error(status, custom)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s", request.path)
        return render_error(500)
