"""What every page template knows about the shell. Reads only what the page gate already loaded: no query."""

from __future__ import annotations

from backend.web.nav import nav_entries
from practice import roles

ROLE_LABELS = dict(roles.ROLE_CHOICES)


def shell(request) -> dict:
    membership = getattr(request, "membership", None)
    memberships = getattr(request, "_attune_memberships", None) or []
    if membership is None and not memberships:
        return {"shell": None}

    person = membership.user if membership is not None else memberships[0].user
    return {
        "shell": {
            "person": person,
            "membership": membership,
            "practice": membership.practice if membership is not None else None,
            "role_labels": [ROLE_LABELS[r] for r in membership.roles] if membership is not None else [],
            "others": [m for m in memberships if membership is None or m.pk != membership.pk],
            "nav": nav_entries(membership, request.path),
        }
    }
