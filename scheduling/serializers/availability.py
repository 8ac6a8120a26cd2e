"""Working hours, time off and the free slots they leave."""

from __future__ import annotations

from rest_framework import serializers

from backend.api.fields import BoundedDateField, InstantField
from backend.api.scope import ScopedRelationsMixin
from practice.models import validate_time_zone
from practice.selectors import clinician_list
from scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    Mode,
)
from scheduling.selectors import location_list


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
    time_zone = serializers.CharField(help_text="The IANA zone the times are written in: `tz`, or the caller's own.")
