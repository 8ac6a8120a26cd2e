"""Appointments in and out: booking, requesting and changing one, and its history. Clients get their own,
narrower outputs."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Exists, FilteredRelation, Q
from rest_framework import serializers
from rest_framework.relations import MANY_RELATION_KWARGS

from backend.api.fields import InstantField, distinct_objects
from backend.api.scope import ScopedPrimaryKeyRelatedField, acting_membership
from core.lookups import id_or_none
from practice.models import Client, Clinician
from practice.selectors import booking_clients_read, client_list, clinician_list
from scheduling.models import (
    Appointment,
    AppointmentChange,
    AppointmentType,
    Mode,
    Room,
    Status,
)
from scheduling.selectors import appointment_type_list, room_list
from scheduling.sql_selectors import booking_clinician_read


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


# One instance of each: their output does not depend on a parent (DRF's `to_representation` reads only settings
# and the current time zone), so the booking reply can format with them without building a serializer.
_INSTANT_OUT = serializers.DateTimeField()
_DATE_OUT = serializers.DateField()


def appointment_reply(appointment: Appointment, *, tz: str) -> dict:
    """What `AppointmentSerializer(appointment, context={"tz": tz}).data` answers, built from the objects in hand.

    The booking's reply (a staff answer): the booking holds its clinician (with membership and user), clients,
    type and room, so nothing is read, and a `ModelSerializer` built per request (its fields introspected from
    the model each time) would cost more than the booking's own checks. Same keys, same order, same formats:
    tests/scheduling/test_booking_reply.py compares the two. A field added to AppointmentSerializer goes here too.
    """
    zone = ZoneInfo(tz)
    # DRF's CharField and ChoiceField answer str(value): the plain value of a TextChoices member
    instant, date_out = _INSTANT_OUT.to_representation, _DATE_OUT.to_representation
    a = appointment
    room = a.room if a.room_id else None  # held with its location (room_list), as the serializer reads it
    return {
        "id": a.pk,
        "clinician": a.clinician_id,
        "clinician_name": str(a.clinician.display_name),
        "clients": [{"id": c.pk, "name": str(c)} for c in a.clients.all()],
        "appointment_type": a.appointment_type_id,
        "appointment_type_name": str(a.appointment_type.name),
        "mode": str(a.mode),
        "room": a.room_id,
        "location": room.location.name if room is not None else None,
        "video_link": str(a.video_link),
        "starts_at": instant(a.starts_at),
        "ends_at": instant(a.ends_at),
        "time_zone": tz,
        "local_starts_at": a.starts_at.astimezone(zone).isoformat(),
        "local_ends_at": a.ends_at.astimezone(zone).isoformat(),
        "status": str(a.status),
        "booked_by": a.booked_by_id,
        "booked_at": instant(a.booked_at) if a.booked_at else None,
        "cancelled_at": instant(a.cancelled_at) if a.cancelled_at else None,
        "cancelled_by_party": str(a.cancelled_by_party),
        "cancellation_reason": str(a.cancellation_reason),
        "series": a.series_id,
        "series_date": date_out(a.series_date) if a.series_date else None,
    }


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


def bookable_clinician_list(*, actor):
    """The clinicians the caller may see (the scope), read with what booking one needs: their membership and user
    (is the clinician bookable) and the practice with its reminder policy (the outbox hook): one query."""
    return clinician_list(actor=actor).select_related("practice__reminder_policy")


class _ClinicianWithType(ScopedPrimaryKeyRelatedField):
    """The clinician, read with the body's appointment type in the same query.

    Staff (who book) are answered by `booking_clinician_read`, one statement written once, which also holds the
    type when it is in the caller's `appointment_type_list` (`clinician.booked_type`). Anyone else, and any id that
    does not resolve there, goes through the ORM: the clinician through `bookable_clinician_list`, the type's row
    joined through the clinician's practice (a `FilteredRelation` on its one id) and its scope asked in the same
    statement (an `EXISTS` on `appointment_type_list`). `_TypeReadWithClinician` takes the held type when it is
    there; otherwise (unknown, out of scope, the clinician itself not found) the type's own field looks it up, so
    every error names its field with DRF's message.
    """

    def to_internal_value(self, data):
        pk = id_or_none(data)
        if pk is not None:
            type_pk = id_or_none(getattr(self.parent, "initial_data", {}).get("appointment_type"))
            clinician = booking_clinician_read(
                actor=acting_membership(self.context), pk=pk, appointment_type_pk=type_pk
            )
            if clinician is not None:
                return clinician
        return super().to_internal_value(data)

    def get_queryset(self):
        queryset = super().get_queryset()
        type_pk = id_or_none(getattr(self.parent, "initial_data", {}).get("appointment_type"))
        if type_pk is None:
            return queryset
        in_scope = appointment_type_list(actor=acting_membership(self.context)).filter(pk=type_pk)
        return queryset.annotate(
            booked_type=FilteredRelation(
                "practice__appointment_types", condition=Q(practice__appointment_types__pk=type_pk)
            ),
            booked_type_in_scope=Exists(in_scope),
        ).select_related("booked_type")


class _TypeReadWithClinician(ScopedPrimaryKeyRelatedField):
    def to_internal_value(self, data):
        clinician = getattr(self.parent, "_clinician_read", None)
        held = getattr(clinician, "booked_type", None)
        if held is not None and clinician.booked_type_in_scope and held.pk == id_or_none(data):
            return held
        return super().to_internal_value(data)


class _ClientsReadAtOnce(serializers.ManyRelatedField):
    """The clients' ids in one query (DRF's `many=True` reads one per id): the front desk's and the admin's through
    `booking_clients_read` (composed once), anyone else's through their `client_list`. Any id that does not
    resolve, or is not an integer, goes back through DRF's own loop, so the refusal is DRF's, word for word."""

    def to_internal_value(self, data):
        if isinstance(data, str) or not hasattr(data, "__iter__"):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not self.allow_empty and len(data) == 0:
            self.fail("empty")
        ids = [id_or_none(item) for item in data]
        if None not in ids:
            found = booking_clients_read(actor=acting_membership(self.context), pks=ids)
            if found is None:  # a caseload or a client's own record: the selector's queryset
                found = {c.pk: c for c in self.child_relation.get_queryset().filter(pk__in=ids)}
            if all(pk in found for pk in ids):
                return [found[pk] for pk in ids]
        return super().to_internal_value(data)


class _ScopedClients(ScopedPrimaryKeyRelatedField):
    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        for key in kwargs:
            if key in MANY_RELATION_KWARGS:
                list_kwargs[key] = kwargs[key]
        return _ClientsReadAtOnce(**list_kwargs)


class AppointmentBookInput(serializers.Serializer):
    clinician = _ClinicianWithType(selector=bookable_clinician_list, model=Clinician)
    clients = _ScopedClients(selector=client_list, model=Client, many=True)
    appointment_type = _TypeReadWithClinician(selector=appointment_type_list, model=AppointmentType)
    starts_at = InstantField(help_text="An instant with its UTC offset, e.g. 2027-03-15T14:00:00Z.")
    mode = serializers.ChoiceField(choices=Mode.choices)
    room = ScopedPrimaryKeyRelatedField(selector=room_list, model=Room, required=False, allow_null=True)
    video_link = serializers.URLField(required=False, allow_blank=True, default="")
    outside_availability = serializers.BooleanField(
        required=False, default=False, help_text="Staff: book outside working hours / time off."
    )

    def validate_clinician(self, value):
        self._clinician_read = value  # fields validate in order: the type's field comes after
        return value

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
