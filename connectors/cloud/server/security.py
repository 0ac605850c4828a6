"""Secrets: password hashing, agent tokens, session ids and CSRF tokens.

Passwords use argon2id (slow on purpose). Agent tokens, session ids and CSRF tokens are 32
random bytes: far too much entropy to brute-force, so a fast SHA-256 is the right digest for
looking them up, and comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connectors.cloud.server.common_passwords import is_common

MIN_PASSWORD_LENGTH = 10
AGENT_TOKEN_PREFIX = "cst_"  # noqa: S105 - a label, not a secret

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong e-mail costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-" + "x" * 16)


class PasswordPolicyError(ValueError):
    """The password does not meet the minimum rules (``message_es`` for the web pages)."""

    def __init__(self, message: str, message_es: str) -> None:
        super().__init__(message)
        self.message_es = message_es


def check_password_policy(password: str) -> None:
    """Raise ``PasswordPolicyError`` unless ``password`` is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            f"La contraseña debe tener al menos {MIN_PASSWORD_LENGTH} caracteres.",
        )
    if password.strip() != password:
        raise PasswordPolicyError(
            "password must not start or end with spaces",
            "La contraseña no puede empezar ni terminar con espacios.",
        )
    if is_common(password) or len(set(password)) < 4:
        raise PasswordPolicyError(
            "password is too common or too repetitive",
            "Esa contraseña es demasiado común o repetitiva; elegí otra.",
        )


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` after checking the policy."""
    check_password_policy(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; with ``None`` or ``""`` (no password set yet, e.g. a
    pending invitation) it still spends the time and says False."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def new_agent_token() -> str:
    """A fresh agent bearer token, shown once to whoever creates it."""
    return AGENT_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_secret() -> str:
    """A random URL-safe secret for session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The SHA-256 hex digest stored instead of a high-entropy secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets; ``None`` or empty never matches."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
