"""Invitations and password resets: one-time links sent by e-mail through the outbox.

The link carries a random token; only its SHA-256 is stored. A token works once, before it
expires; using it sets the password and ends every open session of that user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.cloud.server import outbox
from connectors.cloud.server.accounts import (
    EMAIL_RE,
    ROLE_LABELS_ES,
    Role,
    create_user,
    normalize_email,
)
from connectors.cloud.server.mail_compose import MailComposer
from connectors.cloud.server.models import AccountToken, Company, CustomerRow, SellerRow, User
from connectors.cloud.server.security import digest, hash_password, new_secret
from connectors.cloud.server.sessions import revoke_user_sessions
from connectors.cloud.server.sqltypes import utcnow

INVITE = "invite"
RESET = "reset"
INVITE_PATH = "/invitacion/"
RESET_PATH = "/clave/nueva/"


class InvitationError(ValueError):
    """The invitation cannot be made; the message is Spanish, for the admin's form."""


@dataclass(frozen=True, slots=True)
class Invitee:
    email: str
    name: str
    role: Role
    seller_code: str | None = None
    customer_code: str | None = None


def _issue(
    session: Session, user: User, purpose: str, lifetime: timedelta
) -> tuple[str, AccountToken]:
    token = new_secret()
    row = AccountToken(token_hash=digest(token), purpose=purpose, user_id=user.id,
                       company_id=user.company_id, expires_at=utcnow() + lifetime)
    session.add(row)
    session.flush()
    return token, row


def _validate(session: Session, company_id: int, invitee: Invitee) -> Invitee:
    email = normalize_email(invitee.email)
    if not EMAIL_RE.match(email):
        raise InvitationError("Ingresá un correo electrónico válido.")
    taken = session.scalar(select(User.id).where(User.company_id == company_id,
                                                 User.email == email))
    if taken is not None:
        raise InvitationError(f"Ya existe un usuario con el correo {email}.")
    name = invitee.name.strip()
    seller_code = customer_code = None
    if invitee.role is Role.VENDEDOR:
        seller = session.scalar(select(SellerRow).where(
            SellerRow.company_id == company_id, SellerRow.code == (invitee.seller_code or "")))
        if seller is None:
            raise InvitationError("Elegí un vendedor de Tango sincronizado.")
        seller_code, name = seller.code, name or seller.name
    if invitee.role is Role.CLIENTE:
        customer = session.scalar(select(CustomerRow).where(
            CustomerRow.company_id == company_id,
            CustomerRow.code == (invitee.customer_code or "")))
        if customer is None:
            raise InvitationError("Elegí un cliente de Tango sincronizado.")
        customer_code, name = customer.code, name or customer.name
    if not name:
        raise InvitationError("Ingresá el nombre.")
    return Invitee(email=email, name=name[:120], role=invitee.role, seller_code=seller_code,
                   customer_code=customer_code)


def invite(
    session: Session, company: Company, invitee: Invitee, *, base_url: str, days: int,
    composer: MailComposer,
) -> User:
    """Create the user without a password and queue the invitation e-mail."""
    checked = _validate(session, company.id, invitee)
    user = create_user(session, company, email=checked.email, role=checked.role,
                       name=checked.name, password=None, seller_code=checked.seller_code,
                       customer_code=checked.customer_code)
    send_invitation(session, company, user, base_url=base_url, days=days, composer=composer)
    return user


def send_invitation(
    session: Session, company: Company, user: User, *, base_url: str, days: int,
    composer: MailComposer,
) -> None:
    """(Re)send the invitation link; earlier unused links of this user stop working."""
    _expire_open_tokens(session, user.id, INVITE)
    token, row = _issue(session, user, INVITE, timedelta(days=days))
    mail = composer.compose(
        "invitation", f"Invitación a Castor Pedidos · {company.name}",
        name=user.name, company_name=company.name, email=user.email,
        role_label=ROLE_LABELS_ES.get(user.role, user.role), link=base_url + INVITE_PATH + token,
        expires_at=row.expires_at,
    )
    outbox.queue_mail(session, company_id=company.id, kind="invitation", to_addr=user.email,
                      mail=mail, dedupe_key=f"token:{row.id}")


def request_reset(
    session: Session, email: str, *, base_url: str, hours: int, composer: MailComposer
) -> int:
    """Queue a reset link to every active account with this e-mail (says nothing to the caller
    about whether one exists). Returns how many were queued."""
    users = session.scalars(select(User).where(
        User.email == normalize_email(email), User.active.is_(True), User.password_hash != "")
    ).all()
    for user in users:
        company = session.get(Company, user.company_id)
        assert company is not None
        _expire_open_tokens(session, user.id, RESET)
        token, row = _issue(session, user, RESET, timedelta(hours=hours))
        mail = composer.compose(
            "password_reset", f"Cambio de contraseña · {company.name}",
            name=user.name, company_name=company.name, link=base_url + RESET_PATH + token,
            expires_at=row.expires_at,
        )
        outbox.queue_mail(session, company_id=company.id, kind="password_reset",
                          to_addr=user.email, mail=mail, dedupe_key=f"token:{row.id}")
    return len(users)


def _expire_open_tokens(session: Session, user_id: int, purpose: str) -> None:
    session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user_id, AccountToken.purpose == purpose,
               AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def find_token(session: Session, token: str, purpose: str) -> tuple[AccountToken, User] | None:
    """The live token and its active user, or None when unknown, used, expired or inactive."""
    row = session.execute(
        select(AccountToken, User).join(User, User.id == AccountToken.user_id).where(
            AccountToken.token_hash == digest(token), AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow(),
            User.active.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def redeem(session: Session, token: str, purpose: str, password: str) -> User | None:
    """Set the password through the link; None when the link is no longer valid.

    Raises ``PasswordPolicyError`` for a weak password (the link stays usable).
    """
    found = find_token(session, token, purpose)
    if found is None:
        return None
    row, user = found
    password_hash = hash_password(password)  # raises before anything is written
    claimed = session.execute(
        update(AccountToken).where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None  # used concurrently
    user.password_hash = password_hash
    revoke_user_sessions(session, user.id)
    return user


def pending_invitations(session: Session, company_id: int) -> set[int]:
    """Ids of users whose invitation link is still open."""
    return set(session.scalars(select(AccountToken.user_id).where(
        AccountToken.company_id == company_id, AccountToken.purpose == INVITE,
        AccountToken.used_at.is_(None), AccountToken.expires_at > utcnow())).all())
