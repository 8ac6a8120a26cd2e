"""Helpers the admin pages share."""

from __future__ import annotations

from django.core.paginator import Paginator

PAGE_SIZE = 50


def paginate(request, queryset, *, per_page: int = PAGE_SIZE):
    """A page of `queryset` from ?page= (out-of-range numbers give the last page, never an error)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
