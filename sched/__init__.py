"""The CPTS roster web application: create_app builds it (config, extensions, blueprints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config.settings import INSTANCE_DIR, Config, load_secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: settings from the environment, then `test_config` on top."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    app.config.from_object(Config())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key(Path(app.instance_path))
    if app.config["PROXY_COUNT"]:
        # Only the addresses our own proxies appended are believed; anything a client wrote before them is not.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    from sched import errors, headers, i18n, inputs, instance_files, logging_setup
    from sched.auth.guards import init_login
    from sched.extensions import csrf, db, limiter, migrate
    from sched.models.base import alembic_render_item

    instance_files.secure(app)
    logging_setup.configure(app)
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=alembic_render_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    i18n.init_app(app)
    errors.init_app(app)
    inputs.init_app(app)  # before the blueprints: their `<int:…>` routes take its bounded converter
    headers.init_app(app)
    register_blueprints(app)
    return app


def register_blueprints(app: Flask) -> None:
    from sched.admin import bp as admin_bp
    from sched.api import bp as api_bp
    from sched.auth import bp as auth_bp
    from sched.coordination import bp as coordination_bp
    from sched.feeds import bp as feeds_bp
    from sched.fhir import bp as fhir_bp
    from sched.gp import bp as gp_bp
    from sched.platform import bp as platform_bp
    from sched.regulation import bp as regulation_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(gp_bp, url_prefix="/gp")
    app.register_blueprint(coordination_bp, url_prefix="/coordination")
    app.register_blueprint(regulation_bp, url_prefix="/regulation")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(platform_bp, url_prefix="/plateforme")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(fhir_bp, url_prefix="/fhir")
    app.register_blueprint(feeds_bp)
