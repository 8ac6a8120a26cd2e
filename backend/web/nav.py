"""The navigation and the start pages, registered by each app (in its AppConfig.ready).

    from backend.web.nav import NavEntry, nav_register, start_page_register
    nav_register(NavEntry("Calendar", "scheduling_pages:calendar", roles={FRONT_DESK, CLINICIAN}, order=10))
    start_page_register(FRONT_DESK, "scheduling_pages:calendar")

A member sees the union of the entries of their roles, in `order`; the home page sends a member to the
start page of their first role in START_ROLE_ORDER that has one.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse

from practice import roles
from practice.models import Membership


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    roles: AbstractSet[str] = field(default_factory=frozenset)  # kept as a frozenset
    order: int = 100

    def __post_init__(self):
        object.__setattr__(self, "roles", frozenset(self.roles))
        unknown = self.roles - roles.ALL_ROLES
        if unknown or not self.roles:
            raise ValueError(f"NavEntry {self.label!r}: roles must be a non-empty subset of {sorted(roles.ALL_ROLES)}")


_ENTRIES: dict[str, NavEntry] = {}  # by url_name: registering twice (a reloaded module) replaces
_START_PAGES: dict[str, tuple[int, str]] = {}
START_ROLE_ORDER = (roles.FRONT_DESK, roles.CLINICIAN, roles.SUPERVISOR, roles.ADMIN, roles.CLIENT)


def nav_register(*entries: NavEntry) -> None:
    for entry in entries:
        _ENTRIES[entry.url_name] = entry


def start_page_register(role: str, url_name: str, *, priority: int = 100) -> None:
    """The page `role` starts on; the lowest priority wins when several apps offer one."""
    if role not in roles.ALL_ROLES:
        raise ValueError(f"Unknown role {role!r}")
    current = _START_PAGES.get(role)
    if current is None or priority <= current[0]:
        _START_PAGES[role] = (priority, url_name)


def nav_entries(membership: Membership | None, current_path: str = "") -> list[dict]:
    if membership is None:
        return []
    items = []
    for entry in sorted(_ENTRIES.values(), key=lambda e: (e.order, e.label)):
        if not membership.has_role(*entry.roles):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # an app registered an entry for a page it has not (yet) routed
            continue
        active = current_path == url or (url != "/" and current_path.startswith(url))
        items.append({"label": entry.label, "url": url, "active": active})
    return items


def start_url(membership: Membership) -> str | None:
    for role in START_ROLE_ORDER:
        if membership.has_role(role) and role in _START_PAGES:
            try:
                return reverse(_START_PAGES[role][1])
            except NoReverseMatch:
                continue
    return None
