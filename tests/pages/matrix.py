"""The page access matrix: the rows each app declares in tests/pages/rows_<app>.py.

A row names one page URL (its "namespace:name") and, for each actor ("anon" or a role of tests/world.py),
the status it must answer: an int, or for an object page (`target`, a kind of tests/access/targets.py) a
dict {scope: status} over "mine" / "foreign" / "other" (another practice's object). `absent` lists, per
actor, strings the body must never contain (fields that role may not read): a tuple, or a function
(world, scope) -> strings. `method`/`data` for a POST (data: a dict, or a function (world, scope) -> dict).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field

ACTORS = ("anon", "admin", "front_desk", "clinician", "supervisor", "client")
SCOPES = ("mine", "foreign", "other")
STAFF = ("admin", "front_desk", "clinician", "supervisor")
SIGNED_IN = STAFF + ("client",)


@dataclass(frozen=True)
class PageRow:
    name: str
    expect: dict
    target: str | None = None
    kwarg: str = "pk"
    method: str = "get"
    data: dict | Callable | None = None
    absent: dict = field(default_factory=dict)
    id: str = ""

    def __post_init__(self):
        missing = set(ACTORS) - set(self.expect)
        if missing:
            raise ValueError(f"{self.name}: no expected status for {sorted(missing)}")

    @property
    def label(self) -> str:
        return f"{self.name}{'[' + self.id + ']' if self.id else ''}:{self.method}"


def every(status, actors=SIGNED_IN) -> dict:
    """{actor: status} for each of `actors`."""
    return {actor: status for actor in actors}


def all_rows() -> list[PageRow]:
    import tests.pages as package

    rows: list[PageRow] = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("rows_"):
            rows.extend(importlib.import_module(f"tests.pages.{info.name}").ROWS)
    return rows


def page_url_names() -> set[str]:
    """Every named URL pattern of every `*page_urls` module included by the root URLconf."""
    from django.urls import URLPattern, URLResolver, get_resolver

    names: set[str] = set()

    def walk(patterns, namespace: str, in_pages: bool):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = pattern.urlconf_module
                module_name = getattr(module, "__name__", "")
                pages = in_pages or module_name.endswith("page_urls")
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                walk(pattern.url_patterns, ns, pages)
            elif isinstance(pattern, URLPattern) and in_pages:
                if not pattern.name:
                    raise AssertionError(f"page URL {pattern.pattern} has no name")
                names.add(f"{namespace}:{pattern.name}")

    walk(get_resolver().url_patterns, "", False)
    return names
