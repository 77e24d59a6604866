"""Accounts of the review web app: names, roles and argon2id password hashes.

Roles, weakest first: ``viewer`` (reads), ``coder`` (reviews codings, defectors and
profiles), ``admin`` (also manages users and merges or splits cases). Passwords are only
ever stored as argon2id hashes (argon2-cffi's PHC strings, which carry their own salt and
parameters); a hash made with older parameters is upgraded at the next successful login.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ExitlensError
from .schema import EventRow, UserRow

ROLES: tuple[str, ...] = ("viewer", "coder", "admin")
MIN_PASSWORD_CHARS = 10
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_hasher = PasswordHasher()
# Verified against when the user does not exist, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash("exitlens-no-such-user-dummy-password")


class UserError(ExitlensError):
    """An account that cannot be created or changed (bad name, role or password)."""

    code = "user_invalid"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    active: bool
    created_at: datetime

    def can(self, role: str) -> bool:
        """True when this user's role is ``role`` or stronger (and the account is active)."""
        return self.active and ROLES.index(self.role) >= ROLES.index(role)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "active": self.active,
                "created_at": self.created_at.isoformat()}


def _user(row: UserRow) -> User:
    return User(row.id, row.name, row.role, bool(row.active), row.created_at)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}", code="bad_role")
    return role


def add_user(session: Session, name: str, role: str, password: str, actor: str) -> User:
    if not _NAME.match(name):
        raise UserError(f"user name {name!r} must be 1-64 letters, digits, '.', '_' or '-' "
                        "(starting with a letter or digit)", code="bad_user_name")
    check_role(role)
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must have at least {MIN_PASSWORD_CHARS} characters",
                        code="weak_password")
    if session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
        raise UserError(f"a user named {name!r} already exists", code="user_exists")
    row = UserRow(name=name, role=role, password_hash=_hasher.hash(password), active=True)
    session.add(row)
    session.flush()
    session.add(EventRow(actor=actor, action="user.add", entity="user", entity_id=row.id,
                         payload={"name": name, "role": role}))
    return _user(row)


def list_users(session: Session) -> list[User]:
    # sorted here, not by the database: PostgreSQL orders text by its locale's collation
    # ("ben" before "Cora" under en_US), SQLite by code point; the list is the same on both
    return sorted((_user(r) for r in session.scalars(select(UserRow))), key=lambda u: u.name)


def _row(session: Session, name: str) -> UserRow | None:
    """The account named ``name``; a name no account can have (say, with a NUL character,
    which PostgreSQL cannot even compare) is nobody, without a query."""
    if not _NAME.match(name):
        return None
    return session.scalar(select(UserRow).where(UserRow.name == name))


def get_user(session: Session, name: str) -> User | None:
    row = _row(session, name)
    return _user(row) if row is not None else None


def count_admins(session: Session) -> int:
    return len(list(session.scalars(
        select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True)))))


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The active user with this name and password, else None (same work either way)."""
    row = _row(session, name)
    if row is None or not row.active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return _user(row)


def set_active(session: Session, name: str, active: bool, actor: str) -> User:
    """Deactivate (sign-ins refused, sessions end) or reactivate an account; the last
    active admin cannot be deactivated."""
    row = _row(session, name)
    if row is None:
        raise UserError(f"no user named {name!r}", code="not_found")
    if not active and row.role == "admin" and row.active and count_admins(session) <= 1:
        raise UserError(f"{name} is the last active admin: add another admin first",
                        code="last_admin")
    if bool(row.active) != active:
        row.active = active
        session.add(EventRow(actor=actor, action="user.activate" if active else
                             "user.deactivate", entity="user", entity_id=row.id,
                             payload={"name": name}))
    return _user(row)
