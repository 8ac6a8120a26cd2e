"""Filtering shared by every list endpoint.

django-filter's default filter for a foreign key is a model choice over *every* row of the
related table: an id from another practice then answers differently (an empty page) from an id
that does not exist (a 400), which tells a caller which ids exist elsewhere. Here a foreign key
filters as a plain number, so both answer the same empty page, and the selector's scope decides
what can be found at all.
"""

from django.db import models
from django_filters import rest_framework as filters


class IdFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": filters.NumberFilter},
        models.OneToOneField: {"filter_class": filters.NumberFilter},
    }


class IdFilterBackend(filters.DjangoFilterBackend):
    """Builds `filterset_fields` filters on IdFilterSet."""

    filterset_base = IdFilterSet
