"""What a series would book, before booking it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from practice.models import Membership
from scheduling.services.series import BOOK_AVAILABLE, series_create


class _RollBack(Exception):
    """Raised inside the preview's transaction so that nothing it booked is kept."""


def series_preview(*, actor: Membership, **fields: Any) -> list[dict[str, Any]]:
    """Each occurrence `series_create(actor=actor, **fields)` would book up to the horizon, with its conflict.

    It runs the very same service (so the same checks and the database's exclusion constraints decide)
    inside a transaction that is always rolled back: nothing is booked, audited or queued. A refusal of
    the series itself (bad input, a client out of scope) is raised as `series_create` raises it.
    """
    report: list[dict[str, Any]] = []
    try:
        with transaction.atomic():
            _series, report = series_create(actor=actor, on_conflict=BOOK_AVAILABLE, **fields)
            raise _RollBack
    except _RollBack:
        pass
    return report
