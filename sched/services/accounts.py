"""Accounts: create users, invitation and password-reset links (single use, expiring)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import func, or_, select

from sched.extensions import db
from sched.models import GP, ROLES, AuthToken, OutboxEmail, Person, Territory, User, UserRole, utcnow
from sched.services import audit
from sched.services.identity import address_problem
from sched.services.mail import queue_template
from sched.services.passwords import MIN_LENGTH, hash_password
from sched.services.tokens import hash_secret, new_secret
from sched.services.urls import external_url


class AccountError(ValueError):
    """A readable reason why an account cannot be created or changed."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    email: str,
    full_name: str,
    roles: list[str],
    password: str | None = None,
    territory: Territory | None = None,
) -> User:
    email = normalise_email(email)
    if problem := address_problem(email):
        raise AccountError(problem)
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise AccountError(f"rôle inconnu : {', '.join(unknown) or '(aucun)'} — rôles possibles : {', '.join(ROLES)}")
    if "platform" in roles and (territory is not None or len(roles) > 1):
        raise AccountError("le rôle « platform » est seul et ne dépend d'aucune CPTS (pas de --territory)")
    if password is not None and len(password) < MIN_LENGTH:
        raise AccountError(f"le mot de passe doit faire au moins {MIN_LENGTH} caractères")
    person = find_person(email)
    if person is None:
        person = Person(email=email)
    elif any(a.territory is territory for a in person.accounts):
        raise AccountError(f"un compte existe déjà pour {email}")
    elif password is not None and person.password_hash is not None:
        # Someone who works with another CPTS already: their password stays theirs.
        raise AccountError(f"{email} a déjà un mot de passe sur la plateforme : le compte se crée sans mot de passe")
    if password is not None:
        person.password_hash = hash_password(password)
    user = User(
        person=person,
        full_name=full_name.strip() or email,
        territory=territory,
        roles=[UserRole(role=r) for r in dict.fromkeys(roles)],
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, email=email, roles=list(roles))
    return user


def find_person(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == normalise_email(email)))


def account_by_email(email: str, territory: str | None = None) -> User:
    """The one account of `email` (in the territory named `territory`), for the command line."""
    accounts = [
        a
        for a in db.session.scalars(
            select(User).join(User.person).where(Person.email == normalise_email(email)).order_by(User.id)
        )
        if territory is None or (a.territory is not None and a.territory.name == territory)
    ]
    if not accounts:
        raise AccountError(f"aucun compte avec l'e-mail {email}" + (f" dans {territory}" if territory else ""))
    if len(accounts) > 1:
        names = ", ".join(a.territory.name if a.territory else "plateforme" for a in accounts)
        raise AccountError(f"{email} a un compte dans plusieurs CPTS ({names}) : précisez --territory")
    return accounts[0]


def rpps_problem_for(rpps: str, email: str) -> str | None:
    """An RPPS number is one person's, and a person has one: checked across every CPTS of the platform."""
    email = normalise_email(email)
    pairs = select(GP.rpps, Person.email).join(GP.user).join(User.person)
    owner = db.session.scalar(pairs.where(GP.rpps == rpps).with_only_columns(Person.email).limit(1))
    if owner is not None and owner != email:
        return f"le RPPS {rpps} est celui d'un autre médecin de la plateforme"
    known = db.session.scalar(pairs.where(Person.email == email).with_only_columns(GP.rpps).limit(1))
    if known is not None and known != rpps:
        return f"{email} est déjà inscrit avec le RPPS {known} dans une autre CPTS"
    return None


def issue_link(user: User, purpose: str) -> str:
    """A new single-use link for `purpose` ('invite' or 'reset'); returns the absolute URL."""
    raw, digest = new_secret()
    lifetime = (
        timedelta(days=current_app.config["INVITATION_DAYS"])
        if purpose == "invite"
        else timedelta(hours=current_app.config["RESET_HOURS"])
    )
    db.session.add(AuthToken(user=user, purpose=purpose, token_hash=digest, expires_at=utcnow() + lifetime))
    endpoint = "auth.accept_invitation" if purpose == "invite" else "auth.reset_password"
    return external_url(endpoint, token=raw)


def find_link(raw: str, purpose: str) -> AuthToken | None:
    """The unused, unexpired token behind a link, or None."""
    token = db.session.scalar(
        select(AuthToken).where(AuthToken.token_hash == hash_secret(raw), AuthToken.purpose == purpose)
    )
    if token is None or token.used_at is not None or token.expires_at <= utcnow():
        return None
    return token


def send_invitation(user: User) -> None:
    """A link to choose a password; someone who has one already (another CPTS's account) is told where to log in."""
    days = current_app.config["INVITATION_DAYS"]
    subject = "Invitation au planning des soins non programmés"
    if user.password_hash is None:
        link = issue_link(user, "invite")
    else:
        link = external_url("auth.login")
    queue_template(user.email, subject, "invitation", "invitation", user=user, link=link, days=days)
    audit.record("user.invite", "user", user.id)


def resend_invitation(user: User) -> None:
    """A new invitation link; the ones sent before stop working (only the last e-mail counts). The caller commits."""
    if user.password_hash is not None:
        raise AccountError(
            f"{user.full_name} a déjà choisi son mot de passe : envoyez plutôt un lien de réinitialisation"
        )
    if not user.active:
        raise AccountError(f"le compte de {user.full_name} est désactivé : réactivez-le d'abord")
    close_links(user, "invite")
    send_invitation(user)


def send_reset_for(user: User) -> None:
    """The administration sends `user` a password-reset link (a forgotten password on the phone). Caller commits."""
    if not user.active:
        raise AccountError(f"le compte de {user.full_name} est désactivé : réactivez-le d'abord")
    if user.password_hash is None:
        raise AccountError(f"{user.full_name} n'a pas encore de mot de passe : renvoyez plutôt l'invitation")
    close_links(user, "reset")
    send_reset(user)
    audit.record("user.reset_sent", "user", user.id)


def close_links(user: User, purpose: str) -> None:
    now = utcnow()
    for token in db.session.scalars(
        select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None))
    ):
        token.used_at = now


@dataclass
class AccountStatus:
    """Where an account stands, for the administration: `state` is active | deactivated | invited |
    invitation_expired | no_password; for an invitation, when it was sent, until when it holds and what became of
    its e-mail (`mail`: sent | waiting | failed, with the last error)."""

    state: str
    invited_at: datetime | None = None
    expires_at: datetime | None = None
    mail: str | None = None
    mail_error: str | None = None


def account_statuses(users: list[User]) -> dict[int, AccountStatus]:
    """The status of each of `users`: two queries, whatever their number."""
    now = utcnow()
    waiting = [u for u in users if u.active and u.password_hash is None]
    invites: dict[int, AuthToken] = {}
    mails: dict[str, OutboxEmail] = {}
    if waiting:
        for token in db.session.scalars(
            select(AuthToken)
            .where(AuthToken.user_id.in_([u.id for u in waiting]), AuthToken.purpose == "invite")
            .order_by(AuthToken.created_at, AuthToken.id)
        ):
            invites[token.user_id] = token  # the last one sent
        for mail in db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.kind == "invitation", OutboxEmail.to_addr.in_([u.email for u in waiting]))
            .order_by(OutboxEmail.created_at, OutboxEmail.id)
        ):
            mails[mail.to_addr] = mail
    statuses = {}
    for user in users:
        if not user.active:
            statuses[user.id] = AccountStatus("deactivated")
        elif user.password_hash is not None:
            statuses[user.id] = AccountStatus("active")
        elif (token := invites.get(user.id)) is None:
            statuses[user.id] = AccountStatus("no_password")
        else:
            mail = mails.get(user.email)
            mail_state = None
            if mail is not None:
                mail_state = "sent" if mail.sent_at else "failed" if mail.failed_at else "waiting"
            expired = token.used_at is not None or token.expires_at <= now
            statuses[user.id] = AccountStatus(
                "invitation_expired" if expired else "invited",
                token.created_at,
                token.expires_at,
                mail_state,
                mail.last_error if mail is not None and mail_state != "sent" else None,
            )
    return statuses


def search_users(territory_id: int | None, words: str | None) -> list[User]:
    """The territory's accounts whose name or address holds `words` (all of them without), by name."""
    query = select(User).join(User.person).where(User.territory_id == territory_id).order_by(User.full_name)
    for word in (words or "").split():
        word = word.lower()
        query = query.where(
            or_(
                func.lower(User.full_name).contains(word, autoescape=True), Person.email.contains(word, autoescape=True)
            )
        )
    return list(db.session.scalars(query))


RESET_SUBJECT = "Réinitialisation de votre mot de passe"


def send_reset(user: User) -> None:
    link = issue_link(user, "reset")
    hours = current_app.config["RESET_HOURS"]
    queue_template(user.email, RESET_SUBJECT, "reset", "password_reset", user=user, link=link, hours=hours)


def render_reset(stand_in: User) -> None:
    """What send_reset costs, for an address without an account; nothing is kept (the reset form's timing)."""
    link = external_url("auth.reset_password", token=new_secret()[0])
    context = {"user": stand_in, "link": link, "hours": current_app.config["RESET_HOURS"], "subject": RESET_SUBJECT}
    render_template("email/reset.txt", **context)
    render_template("email/reset.html", **context)


def set_password_with_link(token: AuthToken, password: str) -> User:
    """Consume the link and set the password; other open links of the same user for that purpose die too."""
    now = utcnow()
    for other in db.session.scalars(
        select(AuthToken).where(
            AuthToken.user_id == token.user_id,
            AuthToken.purpose == token.purpose,
            AuthToken.used_at.is_(None),
        )
    ):
        other.used_at = now
    token.user.password_hash = hash_password(password)
    token.user.end_person_sessions()
    audit.record(f"user.password_{token.purpose}", "user", token.user_id, actor=token.user)
    return token.user
