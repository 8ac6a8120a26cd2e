"""Filters of the schedule's list endpoints, as django-filter FilterSets like every other app's (a foreign key
filters as a plain id: backend/api/filters.py). A value that is not valid is a 400 naming the parameter."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from backend.api.fields import InstantField
from backend.api.filters import IdFilterSet
from core.lookups import BIGINT_MAX
from practice.filters import UtcIsoDateTimeField, UtcIsoDateTimeFilter
from scheduling.models import Appointment, SeriesSkippedOccurrence, Status

ID_MAX = BIGINT_MAX  # a bigint, as every id is (DEFAULT_AUTO_FIELD): more is a 400, not a lookup PostgreSQL refuses


class IdFilter(django_filters.Filter):
    """An id: a whole number from 1 (django-filter's NumberFilter would take `1.5` as 1)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class OffsetInstantField(UtcIsoDateTimeField):
    """An exact instant, as the API's instant fields take it (backend/api/fields.py InstantField): with its UTC
    offset, since `2027-03-15T10:00` would otherwise be read as UTC, an offset away from what was meant."""

    default_error_messages = {"naive": InstantField.default_error_messages["naive"]}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:  # say, month 13: the parent's "Enter a valid date/time."
                parsed = None
            if parsed is not None and timezone.is_naive(parsed):  # Django would read it in the current zone
                raise forms.ValidationError(self.error_messages["naive"], code="naive")
        return super().to_python(value)


class InstantFilter(UtcIsoDateTimeFilter):
    """An instant with its UTC offset, in the API's one range (EARLIEST..LATEST), compared in UTC."""

    field_class = OffsetInstantField


class AppointmentFilter(IdFilterSet):
    """`GET /appointments/`: each parameter narrows the caller's scope (the selector's); an id outside it finds
    nothing, as a missing one does."""

    starts_after = InstantFilter(
        field_name="starts_at", lookup_expr="gte", help_text="Starting at or after this instant (with its offset)."
    )
    starts_before = InstantFilter(
        field_name="starts_at", lookup_expr="lt", help_text="Starting before this instant (with its offset)."
    )
    clinician = IdFilter(field_name="clinician_id", help_text="Only this clinician's appointments.")
    client = IdFilter(field_name="participants__client_id", help_text="Only appointments this client attends.")
    status = django_filters.ChoiceFilter(choices=Status.choices, help_text="Only appointments in this status.")

    class Meta:
        model = Appointment
        fields: list[str] = []


SKIPPED_STATES: dict[str, dict[str, Any]] = {
    "open": {"resolved_at__isnull": True},
    "resolved": {"resolved_at__isnull": False},
    "all": {},
}


class SkippedOccurrenceFilter(IdFilterSet):
    series = IdFilter(field_name="series_id", help_text="Only this series' occurrences.")
    clinician = IdFilter(field_name="series__clinician_id", help_text="Only series of this clinician.")
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
