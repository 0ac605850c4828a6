"""Companies and users: creating them (admin CLI) and authenticating people (web login)."""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.cloud.server.models import Company, OrderSequence, User
from connectors.cloud.server.security import hash_password, verify_password
from connectors.cloud.server.sqltypes import utcnow

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Role(StrEnum):
    """What a user does in Castor Pedidos."""

    ADMIN = "admin"
    VENDEDOR = "vendedor"  # Vendedor Móvil: their own portfolio
    PREVENTA = "preventa"  # Preventa Telefónica: any customer
    CLIENTE = "cliente"  # Autogestión Clientes: themselves only


ROLE_LABELS_ES = {
    Role.ADMIN.value: "administrador",
    Role.VENDEDOR.value: "vendedor (Vendedor Móvil)",
    Role.PREVENTA.value: "preventa telefónica",
    Role.CLIENTE.value: "cliente (Autogestión)",
}


class AccountError(ValueError):
    """An admin request that cannot be carried out (duplicate, unknown company, bad value)."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def create_company(session: Session, slug: str, name: str, notify_email: str | None) -> Company:
    """Create a tenant and its order number sequence."""
    slug = slug.strip().lower()
    if not SLUG_RE.match(slug):
        raise AccountError("slug must be 1-40 lower-case letters, digits or dashes")
    if not name.strip():
        raise AccountError("name must not be empty")
    if notify_email and not EMAIL_RE.match(notify_email.strip()):
        raise AccountError(f"not an e-mail address: {notify_email!r}")
    if session.scalar(select(Company.id).where(Company.slug == slug)) is not None:
        raise AccountError(f"company {slug!r} already exists")
    company = Company(
        slug=slug, name=name.strip(), notify_email=(notify_email or "").strip() or None
    )
    session.add(company)
    session.flush()
    session.add(OrderSequence(company_id=company.id, last_number=0))
    return company


def company_by_id(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise AccountError(f"no company with id {company_id}")
    return company


def company_by_slug(session: Session, slug: str) -> Company:
    company = session.scalar(select(Company).where(Company.slug == slug.strip().lower()))
    if company is None:
        raise AccountError(f"no company with slug {slug!r}")
    return company


def create_user(
    session: Session,
    company: Company,
    *,
    email: str,
    role: Role,
    name: str,
    password: str | None,
    seller_code: str | None = None,
    customer_code: str | None = None,
) -> User:
    """Create a web user; sellers need a seller code and customers a customer code.

    With ``password=None`` the user cannot log in until they set one through an invitation.
    """
    email = normalize_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError(f"not an e-mail address: {email!r}")
    if not name.strip():
        raise AccountError("name must not be empty")
    seller_code = (seller_code or "").strip() or None
    customer_code = (customer_code or "").strip() or None
    if role is Role.VENDEDOR and not seller_code:
        raise AccountError("a vendedor needs --seller-code (the Tango seller code)")
    if role is Role.CLIENTE and not customer_code:
        raise AccountError("a cliente needs --customer-code (the Tango customer code)")
    if seller_code and len(seller_code) > 10:
        raise AccountError("seller code has at most 10 characters")
    if customer_code and len(customer_code) > 6:
        raise AccountError("customer code has at most 6 characters")
    exists = session.scalar(
        select(User.id).where(User.company_id == company.id, User.email == email)
    )
    if exists is not None:
        raise AccountError(f"user {email!r} already exists in company {company.slug!r}")
    try:
        password_hash = hash_password(password) if password is not None else ""
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    user = User(
        company_id=company.id,
        email=email,
        name=name.strip(),
        role=role.value,
        password_hash=password_hash,
        seller_code=seller_code,
        customer_code=customer_code,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    The same e-mail may exist in several companies; the first whose password matches wins.
    An unknown e-mail still costs one password verification, so timing reveals nothing.
    """
    candidates = session.scalars(
        select(User)
        .where(User.email == normalize_email(email), User.active.is_(True),
               User.password_hash != "")
        .order_by(User.id)
    ).all()
    if not candidates:
        verify_password(None, password)
        return None
    for user in candidates:
        if verify_password(user.password_hash, password):
            user.last_login_at = utcnow()
            return user
    return None
