"""Administration home: accounts and their roles."""

from sched.admin import bp
from sched.extensions import db
from sched.models import ROLE_LABELS, User

from flask import render_template
from sqlalchemy import select


@bp.route("/")
def home():
    """Accounts and roles."""
    users = db.session.scalars(select(User).order_by(User.full_name)).all()
    return render_template("admin/home.html", users=users, role_labels=ROLE_LABELS)
