"""Serializer fields shared by every app.

Every date and instant the API takes lies in one documented range, EARLIEST..LATEST (docs/api.md, "Times"):
a year like 0001 or 9999 is a valid ISO 8601 date but overflows the first `+ timedelta` (a duration, a
zone, a horizon) behind it. The bounded fields here are the only date fields input serializers use: model
serializers get them through `serializer_field_mapping` (backend/api/apps.py), declared fields name them,
and tests/robustness/test_bounds.py fails on an input date field that is not one of them.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

EARLIEST = date(1900, 1, 1)
LATEST = date(2200, 12, 31)
_EARLIEST_INSTANT = datetime.combine(EARLIEST, time.min, tzinfo=UTC)
_LATEST_INSTANT = datetime.combine(LATEST, time.max, tzinfo=UTC)
RANGE_MESSAGE = f"Out of range: give a date from {EARLIEST.isoformat()} to {LATEST.isoformat()}."
# The range in the OpenAPI document (formatMinimum / formatMaximum, as JSON Schema validators such as ajv
# read them); tests/robustness/test_bounds.py fails on a request date or date-time without it.
DATE_SCHEMA = {
    "type": "string",
    "format": "date",
    "formatMinimum": EARLIEST.isoformat(),
    "formatMaximum": LATEST.isoformat(),
}
INSTANT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "formatMinimum": f"{EARLIEST.isoformat()}T00:00:00Z",
    "formatMaximum": f"{LATEST.isoformat()}T23:59:59Z",
}


@extend_schema_field(DATE_SCHEMA)
class BoundedDateField(serializers.DateField):
    """A calendar date from EARLIEST to LATEST."""

    default_error_messages = {"range": RANGE_MESSAGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed <= LATEST:
            self.fail("range")
        return parsed


@extend_schema_field(INSTANT_SCHEMA)
class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time whose instant falls from EARLIEST to LATEST (UTC)."""

    default_error_messages = {"range": RANGE_MESSAGE}

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        instant = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
        try:
            in_range = _EARLIEST_INSTANT <= instant <= _LATEST_INSTANT
        except OverflowError:  # an offset that pushes the instant past what datetime holds
            in_range = False
        if not in_range:
            self.fail("range")
        return parsed


class InstantField(BoundedDateTimeField):
    """An exact instant: the input must carry its UTC offset (`Z` or `-05:00`).

    DRF would read `2027-03-15T10:00` as UTC and book it an offset away from what a person in
    New York meant; an instant without an offset is refused with a 400 instead.
    """

    default_error_messages = {
        "naive": "Give the instant with its UTC offset, for example 2027-03-15T14:00:00Z or 2027-03-15T10:00:00-04:00.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


def distinct_objects(objects: list, *, what: str = "object") -> list:
    """For a list of related objects (`many=True`): the same id twice is a 400 naming the list, never the
    IntegrityError of a unique row per (parent, object) behind it."""
    seen: set = set()
    for obj in objects:
        key = getattr(obj, "pk", obj)
        if key in seen:
            raise serializers.ValidationError(f"The same {what} ({key}) is listed twice.")
        seen.add(key)
    return objects
