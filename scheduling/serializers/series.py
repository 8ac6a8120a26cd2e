"""Recurring appointments and the occurrences a series skipped."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rest_framework import serializers

from backend.api.fields import BoundedDateField, InstantField, distinct_objects
from backend.api.scope import ScopedPrimaryKeyRelatedField
from practice.models import Client, Clinician, validate_time_zone
from practice.selectors import client_list, clinician_list
from scheduling.models import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    Mode,
    Room,
    SeriesSkippedOccurrence,
)
from scheduling.selectors import appointment_list, appointment_type_list, room_list


class SeriesSerializer(serializers.ModelSerializer):
    clients = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AppointmentSeries
        fields = [
            "id",
            "clinician",
            "clients",
            "appointment_type",
            "mode",
            "room",
            "video_link",
            "time_zone",
            "start_date",
            "local_time",
            "rrule",
            "count",
            "until_date",
            "materialised_until",
            "outside_availability",
            "state",
            "created_at",
        ]


class SeriesCreateInput(serializers.Serializer):
    clinician = ScopedPrimaryKeyRelatedField(selector=clinician_list, model=Clinician)
    clients = ScopedPrimaryKeyRelatedField(selector=client_list, model=Client, many=True)
    appointment_type = ScopedPrimaryKeyRelatedField(selector=appointment_type_list, model=AppointmentType)
    mode = serializers.ChoiceField(choices=Mode.choices)
    room = ScopedPrimaryKeyRelatedField(selector=room_list, model=Room, required=False, allow_null=True)
    video_link = serializers.URLField(required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(
        validators=[validate_time_zone], help_text="IANA zone the local_time and dates are read in."
    )
    start_date = BoundedDateField()
    local_time = serializers.TimeField()
    rrule = serializers.CharField(help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY or FREQ=WEEKLY;INTERVAL=2.")
    count = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=520)
    until_date = BoundedDateField(required=False, allow_null=True)
    on_conflict = serializers.ChoiceField(choices=["all_or_nothing", "book_available"], default="all_or_nothing")
    outside_availability = serializers.BooleanField(required=False, default=False)

    def validate_clients(self, value):
        return distinct_objects(value, what="client")


class SeriesEditInput(serializers.Serializer):
    appointment = ScopedPrimaryKeyRelatedField(
        selector=appointment_list, model=Appointment, help_text="The occurrence the edit starts from."
    )
    scope = serializers.ChoiceField(choices=["this", "following"])
    starts_at = InstantField(required=False, help_text="scope=this: the new instant.")
    local_time = serializers.TimeField(required=False, help_text="scope=following: new wall-clock time.")
    rrule = serializers.CharField(required=False)
    time_zone = serializers.CharField(required=False, validators=[validate_time_zone])
    on_conflict = serializers.ChoiceField(choices=["all_or_nothing", "book_available"], default="all_or_nothing")
    outside_availability = serializers.BooleanField(required=False, default=False)


class OccurrenceSerializer(serializers.Serializer):
    date = serializers.DateField()
    local_start = serializers.CharField()
    time_zone = serializers.CharField()
    starts_at = serializers.DateTimeField()
    dst_adjustment = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["booked", "conflict"])
    appointment = serializers.IntegerField(required=False)
    conflict = serializers.DictField(required=False)


class SeriesResultSerializer(serializers.Serializer):
    series = SeriesSerializer()
    occurrences = OccurrenceSerializer(many=True)


class SkippedOccurrenceSerializer(serializers.ModelSerializer):
    """A skipped occurrence: when, and what conflicted (code and resource), never whose time it was."""

    clinician = serializers.IntegerField(source="series.clinician_id", read_only=True)
    time_zone = serializers.CharField(source="series.time_zone", read_only=True)
    local_starts_at = serializers.SerializerMethodField()
    # Declared so the schema allows the "" of an open one (a read-only model field loses allow_blank).
    resolution = serializers.ChoiceField(
        choices=SeriesSkippedOccurrence.Resolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="Empty while open.",
    )

    class Meta:
        model = SeriesSkippedOccurrence
        fields = [
            "id",
            "series",
            "clinician",
            "series_date",
            "starts_at",
            "ends_at",
            "time_zone",
            "local_starts_at",
            "conflict_code",
            "resource",
            "created_at",
            "resolved_at",
            "resolved_by",
            "resolution",
            "appointment",
        ]
        read_only_fields = fields

    def get_local_starts_at(self, obj) -> str:
        """The start in the series' own zone."""
        return obj.starts_at.astimezone(ZoneInfo(obj.series.time_zone)).isoformat()


class SkippedOccurrenceBookInput(serializers.Serializer):
    starts_at = InstantField(required=False, help_text="Book at this instant instead of the occurrence's own time.")
    outside_availability = serializers.BooleanField(required=False, default=False)
