"""The practice's bookable resources (locations, rooms, appointment types), the waitlist and the calendar feed."""

from __future__ import annotations

from rest_framework import serializers

from backend.api.scope import ScopedRelationsMixin
from practice.selectors import client_list, clinician_list
from scheduling.models import (
    AppointmentType,
    Location,
    Room,
    WaitlistEntry,
)
from scheduling.selectors import appointment_type_list, location_list


class LocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "name", "address", "time_zone", "is_active"]


class RoomSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "location", "name", "is_active"]
        scoped = {"location": location_list}


class AppointmentTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentType
        fields = [
            "id",
            "name",
            "duration_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "allows_in_person",
            "allows_telehealth",
            "client_bookable",
            "is_intake",
            "colour",
            "min_notice_hours",
            "max_advance_days",
            "is_active",
        ]


class WaitlistEntrySerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.__str__", read_only=True)
    # A JSON column: without this, `true`, `1.5` or 2**63 reached the service's `in range(7)` (a TypeError).
    preferred_weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        required=False,
        max_length=7,
        help_text="0 = Monday … 6 = Sunday; empty: any day.",
    )

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "client",
            "client_name",
            "clinician",
            "appointment_type",
            "preferred_weekdays",
            "earliest_time",
            "latest_time",
            "note",
            "created_at",
            "fulfilled_at",
        ]
        read_only_fields = ["created_at", "fulfilled_at"]
        scoped = {"client": client_list, "clinician": clinician_list, "appointment_type": appointment_type_list}


class CalendarFeedSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="Secret: anyone with it reads your schedule. Rotate to revoke.")
