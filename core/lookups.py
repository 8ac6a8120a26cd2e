"""Lookups that answer a malformed id (`"abc"` for an integer key, a bad UUID) like a missing one: 404."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404 as _get_object_or_404

M = TypeVar("M", bound=Model)


def get_object_or_404(queryset: QuerySet[M] | type[M], *args: Any, **kwargs: Any) -> M:
    """Django's get_object_or_404, and Http404 too for a lookup value the column cannot hold (what DRF's
    rest_framework.generics.get_object_or_404 does, without the web framework)."""
    try:
        return _get_object_or_404(queryset, *args, **kwargs)
    except (TypeError, ValueError, ValidationError) as exc:
        raise Http404 from exc


BIGINT_MAX = 2**63 - 1  # the largest value of PostgreSQL's bigint, which every primary key here is


def id_or_none(value: object, *, low: int = 1, high: int = BIGINT_MAX) -> int | None:
    """A whole number read from a query string, a form field or a JSON body, or None when it is not one: an int
    (not a bool), or ASCII digits (`str.isdigit()` also takes '²' and other digits `int()` refuses: a 500), within
    [low, high] (a value past bigint would reach PostgreSQL and fail there)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = value.strip() if isinstance(value, str) else ""
        if not text or not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if low <= number <= high else None
