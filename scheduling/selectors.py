"""Reads of the schedule, always scoped by the acting membership (ACCESS.md)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from practice import roles
from practice.models import Clinician, Membership
from practice.selectors import acting_clinician, clinician_list, supervisee_ids
from scheduling.models import (
    Appointment,
    AppointmentChange,
    AppointmentClient,
    AppointmentSeries,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    Location,
    Room,
    SeriesSkippedOccurrence,
    Status,
    WaitlistEntry,
)
from scheduling.windows import working_windows


def location_list(*, actor: Membership) -> QuerySet[Location]:
    base = Location.objects.filter(practice=actor.practice)
    return base if actor.is_staff_member else base.filter(is_active=True)


def room_list(*, actor: Membership) -> QuerySet[Room]:
    if not actor.is_staff_member:
        return Room.objects.none()
    return Room.objects.filter(practice=actor.practice).select_related("location")


def appointment_type_list(*, actor: Membership) -> QuerySet[AppointmentType]:
    base = AppointmentType.objects.filter(practice=actor.practice)
    if actor.is_staff_member:
        return base
    return base.filter(client_bookable=True, is_active=True)


def _schedule_clinician_ids(actor: Membership) -> list[int]:
    """The clinicians whose schedule a clinician / supervisor may read: their own and their supervisees'."""
    own = acting_clinician(actor)
    return ([own.pk] if own else []) + supervisee_ids(actor)


def availability_rule_list(*, actor: Membership) -> QuerySet[AvailabilityRule]:
    base = AvailabilityRule.objects.filter(practice=actor.practice).select_related("clinician")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    return base.filter(clinician_id__in=_schedule_clinician_ids(actor))


def availability_exception_list(*, actor: Membership) -> QuerySet[AvailabilityException]:
    base = AvailabilityException.objects.filter(practice=actor.practice).select_related("clinician")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    return base.filter(clinician_id__in=_schedule_clinician_ids(actor))


def appointment_list(*, actor: Membership) -> QuerySet[Appointment]:
    """Front desk and admin: all; clinician: own schedule; supervisor: + supervisees'; client: own."""
    base = (
        Appointment.objects.filter(practice=actor.practice)
        .select_related("clinician__membership__user", "appointment_type", "room__location")
        .prefetch_related("clients")
    )
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    scope = Q(pk__in=[])
    ids = _schedule_clinician_ids(actor)
    if ids:
        scope |= Q(clinician_id__in=ids)
    if actor.has_role(roles.CLIENT):
        scope |= Q(pk__in=AppointmentClient.objects.filter(client__portal_membership=actor).values("appointment_id"))
    return base.filter(scope)


def appointment_change_list(*, appointment: Appointment) -> QuerySet[AppointmentChange]:
    return AppointmentChange.objects.filter(appointment=appointment).select_related("changed_by__user")


def series_list(*, actor: Membership) -> QuerySet[AppointmentSeries]:
    base = AppointmentSeries.objects.filter(practice=actor.practice).prefetch_related("clients")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    ids = _schedule_clinician_ids(actor)
    return base.filter(clinician_id__in=ids) if ids else base.none()


def skipped_occurrence_list(*, actor: Membership) -> QuerySet[SeriesSkippedOccurrence]:
    """Occurrences series skipped on a conflict, for the series the caller may read (as `series_list`):
    front desk and admin all, clinician own, supervisor + supervisees'; clients none."""
    base = SeriesSkippedOccurrence.objects.filter(practice=actor.practice).select_related("series")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    ids = _schedule_clinician_ids(actor)
    return base.filter(series__clinician_id__in=ids) if ids else base.none()


def bookable_clinicians(*, actor: Membership) -> QuerySet[Clinician]:
    """The clinicians a slot search may name. The slot search reads this scope and `appointment_type_list`'s, and
    a staff booking `clinician_list`'s, written out in SQL (scheduling/sql_selectors.py): a change of any of those
    scopes is made there too (tests/scheduling/test_slot_scope.py and test_booking_reads.py hold them equal)."""
    return clinician_list(actor=actor).filter(is_active=True)


def waitlist_list(*, actor: Membership) -> QuerySet[WaitlistEntry]:
    base = WaitlistEntry.objects.filter(practice=actor.practice).select_related("client", "appointment_type")
    if actor.has_role(roles.ADMIN, roles.FRONT_DESK):
        return base
    ids = _schedule_clinician_ids(actor)
    if ids and actor.has_role(roles.CLINICIAN):
        return base.filter(clinician_id__in=ids)
    return base.none()


def waitlist_matches(*, entries: QuerySet[WaitlistEntry], opening: Appointment) -> list[WaitlistEntry]:
    """Open entries that the freed time of `opening` would suit, oldest first.

    Matches on type, on clinician (or any), and on the preferred weekday and time window
    read in each client's own zone.
    """
    candidates = (
        entries.filter(fulfilled_at__isnull=True, appointment_type_id=opening.appointment_type_id)
        .filter(Q(clinician__isnull=True) | Q(clinician_id=opening.clinician_id))
        .order_by("created_at", "id")
    )
    return [entry for entry in candidates if _entry_suits(entry, opening)]


def waitlist_matches_many(
    *, entries: QuerySet[WaitlistEntry], openings: list[Appointment]
) -> list[tuple[Appointment, list[WaitlistEntry]]]:
    """`waitlist_matches` for several openings in one query (the open entries of their types, read once)."""
    if not openings:
        return []
    candidates = list(
        entries.filter(fulfilled_at__isnull=True, appointment_type_id__in={o.appointment_type_id for o in openings})
        .select_related("client")
        .order_by("created_at", "id")
    )
    return [
        (
            opening,
            [
                e
                for e in candidates
                if e.appointment_type_id == opening.appointment_type_id
                and e.clinician_id in (None, opening.clinician_id)
                and _entry_suits(e, opening)
            ],
        )
        for opening in openings
    ]


def _entry_suits(entry: WaitlistEntry, opening: Appointment) -> bool:
    """The opening's start, read in the entry's client's zone, is on a preferred weekday and in the window."""
    local = opening.starts_at.astimezone(ZoneInfo(entry.client.time_zone))
    if entry.preferred_weekdays and local.weekday() not in entry.preferred_weekdays:
        return False
    if entry.earliest_time and local.time() < entry.earliest_time:
        return False
    if entry.latest_time and local.time() > entry.latest_time:
        return False
    return True


def recent_openings(*, actor: Membership) -> QuerySet[Appointment]:
    from django.utils import timezone

    return appointment_list(actor=actor).filter(
        status__in=[Status.CANCELLED, Status.LATE_CANCELLED], starts_at__gte=timezone.now()
    )


def calendar_feed_clinician(*, token: str) -> Clinician | None:
    import hashlib

    digest = hashlib.sha256(token.encode()).hexdigest()
    feed = (
        CalendarFeed.objects.filter(
            token_hash=digest,
            revoked_at__isnull=True,
            # A deactivated clinician's secret URL stops serving at once, like their tokens.
            clinician__is_active=True,
            clinician__membership__is_active=True,
            clinician__membership__user__is_active=True,
            clinician__membership__roles__contains=[roles.CLINICIAN],  # the role removed: the feed stops too
        )
        .select_related("clinician__practice")
        .first()
    )
    return feed.clinician if feed else None


# --- sessions that working hours or time off no longer allow -------------------------------------------

TO_MOVE_STATUSES = (Status.REQUESTED, Status.SCHEDULED, Status.CONFIRMED)
TO_MOVE_DEFAULT_DAYS = 90


def appointments_to_move(
    *,
    actor: Membership,
    clinician_id: int | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Booked sessions (requested, scheduled, confirmed; not yet started) in the caller's scope, overlapping
    [`starts_from` (default now), `starts_before`), that the
    clinician's availability no longer allows, soonest first: `reason` is `time_off` when time off or
    blocked time overlaps the session, else `outside_working_hours`. A clinician with no weekly rules at all
    is judged on time off only (their sessions are booked outside availability by design). `starts_before`
    defaults to TO_MOVE_DEFAULT_DAYS ahead. Three queries, whatever the range.
    """
    now = timezone.now()
    start = starts_from or now
    end = starts_before or now + timedelta(days=TO_MOVE_DEFAULT_DAYS)
    booked = appointment_list(actor=actor).filter(
        status__in=TO_MOVE_STATUSES, starts_at__gte=now, starts_at__lt=end, ends_at__gt=start
    )
    if clinician_id is not None:
        booked = booked.filter(clinician_id=clinician_id)
    sessions = list(booked.select_related("clinician").order_by("starts_at", "id"))
    ids = {a.clinician_id for a in sessions}
    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in AvailabilityRule.objects.filter(clinician_id__in=ids):
        rules[rule.clinician_id].append(rule)
    exceptions: dict[int, list[AvailabilityException]] = defaultdict(list)
    for exc in AvailabilityException.objects.filter(clinician_id__in=ids, starts_at__lt=end, ends_at__gt=start):
        exceptions[exc.clinician_id].append(exc)
    out = []
    for appointment in sessions:
        span = (appointment.starts_at, appointment.ends_at)
        off = [
            e
            for e in exceptions[appointment.clinician_id]
            if e.kind != AvailabilityException.Kind.EXTRA and e.starts_at < span[1] and span[0] < e.ends_at
        ]
        if off:
            reason = "time_off"
        elif rules[appointment.clinician_id]:
            windows = working_windows(
                clinician=appointment.clinician,
                rules=rules[appointment.clinician_id],
                exceptions=exceptions[appointment.clinician_id],
                start=span[0] - timedelta(days=1),
                end=span[1] + timedelta(days=1),
            )
            if any(s <= span[0] and span[1] <= e for s, e in windows):
                continue
            reason = "outside_working_hours"
        else:
            continue
        out.append({"appointment": appointment, "reason": reason})
    return out
