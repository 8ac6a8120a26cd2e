"""Locations, rooms, appointment types, availability, appointments, series, waitlist, calendar feeds.

Instants are timestamptz (UTC). Local wall-clock times exist only where a person means a
wall-clock time: weekly working hours (in the clinician's zone) and series (own IANA zone).

The database itself makes double booking impossible: exclusion constraints (btree_gist)
over time ranges forbid two *active* appointments overlapping for the same clinician
(buffers included, the `occupied` range), the same room, or the same client (through
`AppointmentClient`, which repeats the span and an `is_active` flag because a constraint
can only see its own table). Ranges are half-open `[start, end)`: back to back is fine.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone

from practice.models import Client, Clinician, Membership, Practice, validate_time_zone


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class Location(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=300, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "name"], name="location_name_unique")]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="rooms")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(max_length=120)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="room_name_unique")]

    def __str__(self) -> str:
        return self.name


class Mode(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    TELEHEALTH = "telehealth", "Telehealth"


class AppointmentType(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="appointment_types")
    name = models.CharField(max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(default=50)
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0)
    allows_in_person = models.BooleanField(default=True)
    allows_telehealth = models.BooleanField(default=True)
    client_bookable = models.BooleanField(default=False, help_text="Clients may request it from the portal.")
    is_intake = models.BooleanField(default=False)
    colour = models.CharField(max_length=7, default="#4a90d9")
    min_notice_hours = models.PositiveSmallIntegerField(default=24)
    max_advance_days = models.PositiveSmallIntegerField(default=90)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="appointment_type_name_unique"),
            models.CheckConstraint(
                condition=Q(allows_in_person=True) | Q(allows_telehealth=True), name="appointment_type_has_a_mode"
            ),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="appointment_type_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def modes(self) -> list[str]:
        return [
            m for m, ok in ((Mode.IN_PERSON, self.allows_in_person), (Mode.TELEHEALTH, self.allows_telehealth)) if ok
        ]


class AvailabilityRule(models.Model):
    """Weekly working hours, as wall-clock times in the clinician's own time zone."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="availability_rules")
    weekday = models.PositiveSmallIntegerField(help_text="0 = Monday … 6 = Sunday")
    start_time = models.TimeField()
    end_time = models.TimeField()
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    effective_from = models.DateField(default=timezone.localdate)
    effective_until = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_rule_weekday"),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="availability_rule_order"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(effective_until__gte=models.F("effective_from")),
                name="availability_rule_dates",
            ),
        ]
        indexes = [models.Index(fields=["clinician", "weekday"])]


class AvailabilityException(models.Model):
    """One-off: extra working hours, time off, or blocked time (instants)."""

    class Kind(models.TextChoices):
        EXTRA = "extra", "Extra hours"
        TIME_OFF = "time_off", "Time off"
        BLOCKED = "blocked", "Blocked"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="availability_exceptions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, help_text="Shown to staff only; no clinical detail.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="availability_exception_order"),
        ]
        indexes = [models.Index(fields=["clinician", "starts_at"])]


class Status(models.TextChoices):
    REQUESTED = "requested", "Requested by client"
    DECLINED = "declined", "Request declined"
    SCHEDULED = "scheduled", "Scheduled"
    CONFIRMED = "confirmed", "Confirmed"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Late cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold time: the exclusion constraints apply to these only.
ACTIVE_STATUSES = (Status.SCHEDULED, Status.CONFIRMED, Status.CHECKED_IN, Status.COMPLETED)


class AppointmentSeries(models.Model):
    """A recurring booking: local wall time + IANA zone + RFC 5545 RRULE, materialised as appointments."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"
        CANCELLED = "cancelled", "Cancelled"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="series")
    clients = models.ManyToManyField(Client, related_name="appointment_series")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    video_link = models.URLField(blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    start_date = models.DateField(help_text="Local date of the first occurrence (the RRULE's DTSTART).")
    local_time = models.TimeField(help_text="Wall-clock start time in `time_zone`.")
    rrule = models.CharField(max_length=300, help_text="RFC 5545 RRULE without DTSTART, COUNT or UNTIL.")
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    until_date = models.DateField(null=True, blank=True, help_text="Last local date an occurrence may fall on.")
    materialised_until = models.DateField(null=True, blank=True)
    outside_availability = models.BooleanField(
        default=False,
        help_text="Booked outside the clinician's working hours on purpose: the rolling extension books later "
        "occurrences the same way instead of skipping them as unavailable.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "materialised_until"])]


class Appointment(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments")
    clients = models.ManyToManyField(Client, through="AppointmentClient", related_name="appointments")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=12, choices=Mode.choices)
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments")
    video_link = models.URLField(blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # [starts_at - buffer_before, ends_at + buffer_after): the clinician's time this appointment takes.
    occupied = DateTimeRangeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    booked_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_party = models.CharField(
        max_length=10, blank=True, choices=[("client", "Client"), ("practice", "Practice")]
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    series = models.ForeignKey(
        AppointmentSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    # The local date the series rule produced this occurrence for (kept when the occurrence is moved).
    series_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_order"),
            models.CheckConstraint(
                condition=Q(occupied__startswith__lte=models.F("starts_at"))
                & Q(occupied__endswith__gte=models.F("ends_at")),
                name="appointment_occupied_covers_span",
            ),
            models.CheckConstraint(
                condition=Q(mode=Mode.TELEHEALTH) | Q(video_link=""), name="appointment_video_link_only_telehealth"
            ),
            models.CheckConstraint(
                condition=Q(mode=Mode.IN_PERSON) | Q(room__isnull=True), name="appointment_room_only_in_person"
            ),
            models.UniqueConstraint(fields=["series", "series_date"], name="appointment_series_date_unique"),
            ExclusionConstraint(
                name="appointment_clinician_no_overlap",
                expressions=[("clinician", RangeOperators.EQUAL), ("occupied", RangeOperators.OVERLAPS)],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            ExclusionConstraint(
                name="appointment_room_no_overlap",
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=ACTIVE_STATUSES) & Q(room__isnull=False),
            ),
        ]

    def set_times(self, starts_at, appointment_type: AppointmentType | None = None) -> None:
        from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

        kind = appointment_type or self.appointment_type
        self.starts_at = starts_at
        self.ends_at = starts_at + timedelta(minutes=kind.duration_minutes)
        self.occupied = DateTimeTZRange(
            starts_at - timedelta(minutes=kind.buffer_before_minutes),
            self.ends_at + timedelta(minutes=kind.buffer_after_minutes),
            "[)",
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AppointmentClient(models.Model):
    """A client in an appointment. Repeats span and activity so the database can forbid client overlaps."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="participants")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointment_participations")
    span = DateTimeRangeField()
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "client"], name="appointment_client_unique"),
            ExclusionConstraint(
                name="appointment_client_no_overlap",
                expressions=[("client", RangeOperators.EQUAL), ("span", RangeOperators.OVERLAPS)],
                condition=Q(is_active=True),
            ),
        ]


class SeriesSkippedOccurrence(models.Model):
    """An occurrence of a series that was not booked because it conflicted, until someone deals with it.

    Holds what the conflict was (its code and the resource: clinician, room, client, clinician
    availability), never which appointment or whose holds the time; or why the series could not be
    booked at all (`clinician_inactive`, `appointment_type_inactive`, `mode_not_offered`,
    `room_inactive`). Open while `resolved_at` is null; resolved by booking it (`appointment`),
    dismissing it, or the series being cancelled / changed from that date on (withdrawn).
    """

    class Resolution(models.TextChoices):
        BOOKED = "booked", "Booked"
        DISMISSED = "dismissed", "Dismissed"
        WITHDRAWN = "withdrawn", "Series cancelled or changed"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    series = models.ForeignKey(AppointmentSeries, on_delete=models.CASCADE, related_name="skipped_occurrences")
    series_date = models.DateField(help_text="The local date the series rule produced this occurrence for.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    conflict_code = models.CharField(max_length=40, help_text="e.g. clinician_taken, room_taken, client_taken.")
    resource = models.CharField(max_length=30, blank=True, help_text="clinician, room, client, clinician_availability")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Booked later."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "series_date"], name="series_skipped_occurrence_unique"),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True, resolution="") | Q(resolved_at__isnull=False, resolution__gt=""),
                name="series_skipped_occurrence_resolution",
            ),
        ]
        indexes = [
            models.Index(
                fields=["practice", "series_date"],
                condition=Q(resolved_at__isnull=True),
                name="series_skipped_open_idx",
            )
        ]


class AppointmentChange(models.Model):
    """History: every reschedule and status change, who made it and when. Never edited."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20)  # "booked", "rescheduled", "status", "place_changed"
    old_starts_at = models.DateTimeField(null=True, blank=True)
    old_ends_at = models.DateTimeField(null=True, blank=True)
    new_starts_at = models.DateTimeField(null=True, blank=True)
    new_ends_at = models.DateTimeField(null=True, blank=True)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    changed_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]


class WaitlistEntry(models.Model):
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist_entries")
    clinician = models.ForeignKey(Clinician, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    appointment_type = models.ForeignKey(AppointmentType, on_delete=models.CASCADE, related_name="+")
    preferred_weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday")
    earliest_time = models.TimeField(null=True, blank=True, help_text="Local, in the client's zone.")
    latest_time = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class CalendarFeed(models.Model):
    """A clinician's secret iCalendar URL. Only a hash of the token is kept; revoking ends it."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class IdempotencyRecord(models.Model):
    """The reply to a booking or series request sent with an `Idempotency-Key` (scheduling/idempotency.py).

    Written in the transaction that books, so a booking and its record commit together or not at all; only
    successful replies are kept. A retry with the same key, body and path gets `status_code` and
    `response_body` back instead of booking again. Deleted after IDEMPOTENCY_KEY_TTL_HOURS.
    """

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_method = models.CharField(max_length=8)
    request_path = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64, help_text="sha256 of the canonical JSON body.")
    # Null only inside the transaction that holds the key, until it has its reply; never committed so.
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["membership", "key"], name="idempotency_key_unique")]
