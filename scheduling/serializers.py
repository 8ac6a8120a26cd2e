"""Input and output shapes for the schedule. Clients get their own, narrower outputs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rest_framework import serializers

from backend.api.fields import BoundedDateField, InstantField, distinct_objects
from backend.api.scope import ScopedPrimaryKeyRelatedField, ScopedRelationsMixin
from practice.models import Client, Clinician, validate_time_zone
from practice.selectors import client_list, clinician_list
from scheduling.models import (
    Appointment,
    AppointmentChange,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Location,
    Mode,
    Room,
    SeriesSkippedOccurrence,
    Status,
    WaitlistEntry,
)
from scheduling.selectors import appointment_list, appointment_type_list, location_list, room_list


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


class AvailabilityRuleSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    time_zone = serializers.CharField(
        source="clinician.time_zone",
        read_only=True,
        help_text="The zone start_time and end_time are read in (the clinician's).",
    )

    class Meta:
        model = AvailabilityRule
        fields = [
            "id",
            "clinician",
            "weekday",
            "start_time",
            "end_time",
            "time_zone",
            "location",
            "effective_from",
            "effective_until",
        ]
        scoped = {"clinician": clinician_list, "location": location_list}


class AvailabilityExceptionSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    starts_at = InstantField()
    ends_at = InstantField()

    class Meta:
        model = AvailabilityException
        fields = ["id", "clinician", "kind", "starts_at", "ends_at", "reason"]
        scoped = {"clinician": clinician_list}


class AppointmentToMoveSerializer(serializers.Serializer):
    """A booked session the clinician's availability no longer allows (scheduling.selectors.appointments_to_move).
    Times and ids only: the appointment itself is read through /appointments/{id}/."""

    appointment = serializers.IntegerField(source="appointment.id")
    clinician = serializers.IntegerField(source="appointment.clinician_id")
    starts_at = serializers.DateTimeField(source="appointment.starts_at")
    ends_at = serializers.DateTimeField(source="appointment.ends_at")
    status = serializers.CharField(source="appointment.status")
    reason = serializers.ChoiceField(
        choices=["time_off", "outside_working_hours"],
        help_text="time_off: time off or blocked time overlaps it; outside_working_hours: the weekly hours no "
        "longer cover it.",
    )


class AvailabilityRuleSavedSerializer(AvailabilityRuleSerializer):
    appointments_to_move = AppointmentToMoveSerializer(
        many=True, read_only=True, help_text="This clinician's booked sessions the hours no longer cover (90 days)."
    )

    class Meta(AvailabilityRuleSerializer.Meta):
        fields = [*AvailabilityRuleSerializer.Meta.fields, "appointments_to_move"]


class AvailabilityExceptionSavedSerializer(AvailabilityExceptionSerializer):
    appointments_to_move = AppointmentToMoveSerializer(
        many=True, read_only=True, help_text="This clinician's booked sessions the time off or blocked time overlaps."
    )

    class Meta(AvailabilityExceptionSerializer.Meta):
        fields = [*AvailabilityExceptionSerializer.Meta.fields, "appointments_to_move"]


class _LocalTimes(serializers.Serializer):
    """Adds the start and end rendered in the zone of the request (`tz`), and that zone's name."""

    time_zone = serializers.SerializerMethodField()
    local_starts_at = serializers.SerializerMethodField()
    local_ends_at = serializers.SerializerMethodField()

    def _tz(self) -> ZoneInfo:
        return ZoneInfo(self.context.get("tz", "UTC"))

    def get_time_zone(self, obj) -> str:
        return self.context.get("tz", "UTC")

    def get_local_starts_at(self, obj) -> str:
        return obj.starts_at.astimezone(self._tz()).isoformat()

    def get_local_ends_at(self, obj) -> str:
        return obj.ends_at.astimezone(self._tz()).isoformat()


class AppointmentClientBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class AppointmentSerializer(_LocalTimes, serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.display_name", read_only=True)
    # Not required in the schema: the same endpoints answer a client with AppointmentForClientSerializer,
    # which leaves it out. Output only (this serializer never reads input).
    clients = AppointmentClientBrief(many=True, required=False, help_text="Staff answers only.")
    appointment_type_name = serializers.CharField(source="appointment_type.name", read_only=True)
    location = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "clinician",
            "clinician_name",
            "clients",
            "appointment_type",
            "appointment_type_name",
            "mode",
            "room",
            "location",
            "video_link",
            "starts_at",
            "ends_at",
            "time_zone",
            "local_starts_at",
            "local_ends_at",
            "status",
            "booked_by",
            "booked_at",
            "cancelled_at",
            "cancelled_by_party",
            "cancellation_reason",
            "series",
            "series_date",
        ]

    def get_location(self, obj) -> str | None:
        return obj.room.location.name if obj.room_id else None


class AppointmentForClientSerializer(_LocalTimes, serializers.ModelSerializer):
    """What a client sees of their own appointment: when, with whom, where; nothing about who booked it."""

    clinician_name = serializers.CharField(source="clinician.display_name", read_only=True)
    appointment_type_name = serializers.CharField(source="appointment_type.name", read_only=True)
    location = serializers.SerializerMethodField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "clinician",
            "clinician_name",
            "appointment_type",
            "appointment_type_name",
            "mode",
            "location",
            "video_link",
            "starts_at",
            "ends_at",
            "time_zone",
            "local_starts_at",
            "local_ends_at",
            "status",
            "cancelled_at",
            "cancelled_by_party",
        ]

    def get_location(self, obj) -> str | None:
        return f"{obj.room.location.name}, {obj.room.location.address}".strip(", ") if obj.room_id else None


class AppointmentBookInput(serializers.Serializer):
    clinician = ScopedPrimaryKeyRelatedField(selector=clinician_list, model=Clinician)
    clients = ScopedPrimaryKeyRelatedField(selector=client_list, model=Client, many=True)
    appointment_type = ScopedPrimaryKeyRelatedField(selector=appointment_type_list, model=AppointmentType)
    starts_at = InstantField(help_text="An instant with its UTC offset, e.g. 2027-03-15T14:00:00Z.")
    mode = serializers.ChoiceField(choices=Mode.choices)
    room = ScopedPrimaryKeyRelatedField(selector=room_list, model=Room, required=False, allow_null=True)
    video_link = serializers.URLField(required=False, allow_blank=True, default="")
    outside_availability = serializers.BooleanField(
        required=False, default=False, help_text="Staff: book outside working hours / time off."
    )

    def validate_clients(self, value):
        return distinct_objects(value, what="client")


class AppointmentRequestInput(serializers.Serializer):
    clinician = ScopedPrimaryKeyRelatedField(selector=clinician_list, model=Clinician)
    appointment_type = ScopedPrimaryKeyRelatedField(selector=appointment_type_list, model=AppointmentType)
    starts_at = InstantField()
    mode = serializers.ChoiceField(choices=Mode.choices, default=Mode.TELEHEALTH)


class RescheduleInput(serializers.Serializer):
    starts_at = InstantField()
    room = ScopedPrimaryKeyRelatedField(selector=room_list, model=Room, required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    outside_availability = serializers.BooleanField(required=False, default=False)


class PlaceChangeInput(serializers.Serializer):
    """Where an appointment happens; its time moves only through reschedule. Any other field is refused by name."""

    mode = serializers.ChoiceField(
        choices=Mode.choices,
        required=False,
        help_text="A new mode drops what the old one carried (going online: the room; in person: the link).",
    )
    room = ScopedPrimaryKeyRelatedField(selector=room_list, model=Room, required=False, allow_null=True)
    video_link = serializers.URLField(required=False, allow_blank=True)

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                reason = "Not a field you can change here (mode, room, video_link); move the time with reschedule."
                raise serializers.ValidationError({key: [reason] for key in unknown})
        return super().to_internal_value(data)


class CancelInput(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=["client", "practice"],
        default="practice",
        help_text="Who cancels (staff recording a client's call: 'client'). Clients: ignored.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TransitionInput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Status.choices, help_text="Accept a request with 'scheduled', decline with 'declined'."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AppointmentChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentChange
        fields = [
            "id",
            "kind",
            "old_starts_at",
            "old_ends_at",
            "new_starts_at",
            "new_ends_at",
            "old_status",
            "new_status",
            "changed_by",
            "changed_at",
            "reason",
        ]


class AppointmentChangeForClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppointmentChange
        fields = [
            "id",
            "kind",
            "old_starts_at",
            "old_ends_at",
            "new_starts_at",
            "new_ends_at",
            "old_status",
            "new_status",
            "changed_at",
        ]


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


class SlotQuery(serializers.Serializer):
    appointment_type = serializers.IntegerField()
    clinician = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="One or more clinician ids; none: every clinician you may book.",
    )
    date_from = BoundedDateField()
    date_to = BoundedDateField()
    tz = serializers.CharField(
        required=False,
        validators=[validate_time_zone],
        help_text="Zone dates are read in and slots rendered in (default: yours).",
    )
    mode = serializers.ChoiceField(choices=Mode.choices, required=False)


class SlotSerializer(serializers.Serializer):
    clinician = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


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
