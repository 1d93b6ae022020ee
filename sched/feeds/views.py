"""Feed routes (secret URL, no session) and the pages that show the feed addresses."""

from __future__ import annotations

import hashlib

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField
from wtforms.validators import InputRequired

from sched.auth.guards import role_required
from sched.extensions import db
from sched.feeds import bp
from sched.feeds.subscribe import subscription
from sched.models import Site
from sched.services import feed_tokens, ical
from sched.services.urls import page_base

GP_CALENDAR_NAME = "Mes gardes SNP"


class RegenerateForm(FlaskForm):
    """A new feed address breaks every subscription to the old one: the GP confirms by ticking."""

    confirm = BooleanField(
        "Je comprends que l'adresse actuelle cessera aussitôt de fonctionner et que je devrai abonner à nouveau "
        "mon agenda.",
        validators=[InputRequired("Cochez la case pour confirmer : l'adresse actuelle n'a pas été changée.")],
    )


CALENDAR_TYPE = "text/calendar; charset=utf-8"


def calendar_response(name: str, filename: str, events: list[ical.FeedEvent]) -> Response:
    """The feed, with ETag and Last-Modified: a conditional request gets 304 when nothing changed."""
    body = ical.render(name, events)
    response = Response(body, content_type=CALENDAR_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.last_modified = ical.last_modified(events)
    return response.make_conditional(request)


@bp.route("/ical/gp/<token>.ics")
def gp_feed(token: str):
    """A GP's gardes."""
    found = feed_tokens.find(token, "gp")
    if found is None or found.gp is None or not found.gp.active:
        abort(404)
    gp = found.gp
    return calendar_response(f"Mes gardes SNP — {gp.name}", "gardes-snp.ics", ical.person_events(gp))


@bp.route("/ical/site/<token>.ics")
def site_feed(token: str):
    """A cabinet de garde's gardes, with the GPs on duty."""
    found = feed_tokens.find(token, "site")
    if found is None or found.site is None:
        abort(404)
    site = found.site
    events = ical.site_events(site.territory_id, {site.id})
    return calendar_response(f"Gardes SNP — {site.name}", f"gardes-snp-site-{site.id}.ics", events)


@bp.route("/ical/coordination/<token>.ics")
def coordination_feed(token: str):
    """Every garde of the territory."""
    found = feed_tokens.find(token, "coordination")
    if found is None:
        abort(404)
    events = ical.site_events(found.territory_id)
    return calendar_response("Gardes SNP — coordination de la CPTS", "gardes-snp-cpts.ics", events)


@bp.route("/sw.js")
def service_worker():
    """The service worker keeping « Mes gardes » for offline reading; served at the root so its scope is the site."""
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/mon-agenda", methods=["GET", "POST"])
@role_required("gp")
def gp_calendar():
    """The GP's feed address with one-tap subscription buttons and a QR code; replacing it is confirmed."""
    gp = current_user.gp
    if gp is None:
        abort(404)
    form = RegenerateForm()
    if request.method == "POST" and form.validate_on_submit():
        feed_tokens.regenerate_gp(gp, actor=current_user)
        db.session.commit()
        flash("Nouvelle adresse créée : l'ancienne ne fonctionne plus. Abonnez votre agenda à la nouvelle.", "success")
        return redirect(url_for("feeds.gp_calendar"))
    url = feed_tokens.feed_url(feed_tokens.gp_token(gp), base=page_base())
    db.session.commit()
    status = 422 if form.errors else 200
    return render_template("feeds/gp_calendar.html", sub=subscription(url, GP_CALENDAR_NAME), form=form), status


@bp.route("/agendas")
@role_required("coordinator")
def coordination_calendars():
    """The feed addresses of each cabinet de garde and of the whole CPTS."""
    territory_id = current_user.territory_id
    if territory_id is None:
        abort(404)
    sites = db.session.scalars(select(Site).where(Site.territory_id == territory_id).order_by(Site.name)).all()
    base = page_base()
    site_urls = [(site, feed_tokens.feed_url(feed_tokens.site_token(site), base=base)) for site in sites]
    coordination_url = feed_tokens.feed_url(feed_tokens.coordination_token(territory_id), base=base)
    db.session.commit()
    return render_template("feeds/coordination_calendars.html", site_urls=site_urls, coordination_url=coordination_url)
