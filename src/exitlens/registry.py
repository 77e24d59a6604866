"""Name → factory registries, the way spaCy and catalogue do it.

Readers, pipeline stages and coders are small units looked up by name. Built-in
units are declared as entry points in ``pyproject.toml`` (group
``exitlens.<kind>``) exactly as a third-party plugin would declare its own, and
can also be registered at run time with :meth:`Registry.register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint, entry_points
from typing import Generic, TypeVar

from .errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of factories of one kind (``readers``, ``stages``…)."""

    def __init__(self, kind: str):
        self.kind = kind
        self.group = f"exitlens.{kind}"
        self._items: dict[str, T] = {}
        self._entry_points_loaded = False
        self._pending: dict[str, EntryPoint] = {}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: ``@readers.register("txt")``."""

        def decorator(obj: T) -> T:
            self.add(name, obj)
            return obj

        return decorator

    def add(self, name: str, obj: T) -> None:
        self._items[name] = obj
        self._pending.pop(name, None)

    def _load_entry_points(self) -> None:
        # Entry points are discovered eagerly but imported only when asked for, so a
        # broken or heavy plugin costs nothing until it is used.
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for ep in entry_points(group=self.group):
            self._pending.setdefault(ep.name, ep)

    def get(self, name: str) -> T:
        self._load_entry_points()
        if name not in self._items and name in self._pending:
            self._items[name] = self._pending.pop(name).load()
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(
                f"no {self.kind[:-1] if self.kind.endswith('s') else self.kind} named {name!r} "
                f"(known: {known})",
                code="unknown_name",
            ) from None

    def names(self) -> list[str]:
        self._load_entry_points()
        return sorted(set(self._items) | set(self._pending))

    def items(self) -> Iterator[tuple[str, T]]:
        for name in self.names():
            yield name, self.get(name)

    def __contains__(self, name: object) -> bool:
        self._load_entry_points()
        return name in self._items or name in self._pending
