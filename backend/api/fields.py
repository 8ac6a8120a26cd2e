"""Serializer fields shared by every app."""

from django.utils import timezone
from rest_framework import serializers


class InstantField(serializers.DateTimeField):
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
