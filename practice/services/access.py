"""The role check every practice service (and those of the other apps) runs on its actor."""

from __future__ import annotations

from core.errors import NotAllowed
from practice.models import Membership


def require_role(actor: Membership, allowed: set[str] | frozenset[str]) -> None:
    if not actor.has_role(*allowed):
        raise NotAllowed("Your role in this practice may not do this.")
