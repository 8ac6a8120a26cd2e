"""Filters of the schedule's list endpoints, as django-filter FilterSets like every other app's (a foreign key
filters as a plain id: backend/api/filters.py). A value that is not valid is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict

from backend.api.filters import IdFilterSet
from scheduling.models import SeriesSkippedOccurrence


class IdFilter(django_filters.Filter):
    """An id: a whole number (django-filter's NumberFilter would take `1.5` as 1)."""

    field_class = forms.IntegerField


SKIPPED_STATES: dict[str, dict[str, Any]] = {
    "open": {"resolved_at__isnull": True},
    "resolved": {"resolved_at__isnull": False},
    "all": {},
}


class SkippedOccurrenceFilter(IdFilterSet):
    series = IdFilter(field_name="series_id", min_value=1, help_text="Only this series' occurrences.")
    clinician = IdFilter(field_name="series__clinician_id", min_value=1, help_text="Only series of this clinician.")
    state = django_filters.ChoiceFilter(
        choices=[(state, state) for state in SKIPPED_STATES],
        method="filter_state",
        help_text="open (default): not yet booked or dismissed; resolved; all.",
    )

    class Meta:
        model = SeriesSkippedOccurrence
        fields: list[str] = []

    def __init__(self, data: QueryDict | None = None, *args: Any, **kwargs: Any) -> None:
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("state"):
            data["state"] = "open"  # the list is a to-do list: what is still open, unless told otherwise
        super().__init__(data, *args, **kwargs)

    def filter_state(
        self, queryset: QuerySet[SeriesSkippedOccurrence], name: str, value: str
    ) -> QuerySet[SeriesSkippedOccurrence]:
        return queryset.filter(**SKIPPED_STATES[value])
