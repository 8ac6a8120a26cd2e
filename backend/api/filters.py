"""Filtering shared by every list endpoint.

django-filter's default filter for a foreign key is a model choice over *every* row of the
related table: an id from another practice then answers differently (an empty page) from an id
that does not exist (a 400), which tells a caller which ids exist elsewhere. Here a foreign key
filters as a plain number, so both answer the same empty page, and the selector's scope decides
what can be found at all.
"""

from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView


class IdFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": filters.NumberFilter},
        models.OneToOneField: {"filter_class": filters.NumberFilter},
    }


class IdFilterBackend(filters.DjangoFilterBackend):
    """Builds `filterset_fields` filters on IdFilterSet."""

    filterset_base = IdFilterSet

    def filter_queryset(self, request: HttpRequest, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        refuse_nul_in_query(request)
        return super().filter_queryset(request, queryset, view)


def refuse_nul_in_query(request: HttpRequest) -> None:
    """A NUL in any query parameter is a 400 naming it: PostgreSQL refuses NUL in text (a DataError and a 500),
    and no filter of this API means one. Every list and detail view runs the filter backend, so this is the
    one check for the filters django-filter builds and for parameters a view reads itself."""
    bad = sorted({key for key, values in request.GET.lists() if "\x00" in key or any("\x00" in v for v in values)})
    if bad:
        raise ValidationError({key.replace("\x00", "\\x00"): ["May not contain NUL characters."] for key in bad})
