"""The access matrix of ACCESS.md as data: one Row per (method, schema path).

`expect` maps each actor ("admin", "front_desk", "clinician", "supervisor", "client",
"anonymous") to the status it must get. For a path with an object id the value is
either one status for both in-practice objects or a (mine, foreign) pair; an object of
the other practice must always answer 404 (401 for anonymous).

Each app keeps its rows in `tests/access/rows_<app>.py` as a list named ROWS.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

ACTORS = ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict
    target: str | None = None  # kind of object in the path's {id}
    payload: Callable | None = None  # (world, actor, scope) -> request body
    query: Callable | None = None  # (world, actor) -> query params
    lists: str | None = None  # kind of object a list returns
    visible: dict = field(default_factory=dict)  # actor -> scopes whose `lists` object must be in the list
    forbidden_fields: dict = field(default_factory=dict)  # actor -> field names that must not appear
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return self.method.upper(), self.path

    def status_for(self, actor: str, scope: str) -> int:
        if scope == "other":
            return 401 if actor == "anonymous" else 404
        value = self.expect[actor]
        if isinstance(value, tuple):
            return value[0] if scope == "mine" else value[1]
        return value


def all_rows() -> list[Row]:
    import tests.access as package

    rows: list[Row] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.access.{info.name}").ROWS)
    return rows


def anon(status: int = 401) -> dict:
    return {"anonymous": status}
