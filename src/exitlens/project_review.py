"""The review part of :class:`exitlens.Project`: accounts, human review decisions, the
audit history and undo — shared by the CLI (``exitlens user``, ``exitlens history``) and
the web app (``exitlens serve``). :class:`Project` inherits these methods; the storage
behind them is :mod:`exitlens.store.users` and :mod:`exitlens.store.review_store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .store import users as user_store

if TYPE_CHECKING:
    from .config import Settings
    from .store import Database
    from .store.users import User


class ReviewMethods:
    db: Database
    settings: Settings
    actor: str
    url: str

    # ------------------------------------------------------------ accounts
    def as_actor(self, actor: str) -> Any:
        """The same project (same database connection pool) writing events as ``actor``."""
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.actor = actor
        return clone

    def add_user(self, name: str, role: str, password: str) -> User:
        """Create a web app account (role ``admin``, ``coder`` or ``viewer``)."""
        with self.db.session() as session:
            return user_store.add_user(session, name, role, password, self.actor)

    def users(self) -> list[User]:
        with self.db.session() as session:
            return user_store.list_users(session)

    def user(self, name: str) -> User | None:
        with self.db.session() as session:
            return user_store.get_user(session, name)

    def count_admins(self) -> int:
        with self.db.session() as session:
            return user_store.count_admins(session)

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user with this name and password, else None."""
        with self.db.session() as session:
            return user_store.authenticate(session, name, password)
