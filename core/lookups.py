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
