"""Reads of the schedule, always scoped by the acting membership (ACCESS.md)."""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from psycopg import sql

from practice import roles
from practice.models import CareTeamMember, Client, Clinician, Membership
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

    return clinician_list(actor=actor).filter(is_active=True)


_BIGINT_MAX = 2**63 - 1


def slot_search_subjects(
    *, actor: Membership, appointment_type_id: int, clinician_ids: list[int] | None = None
) -> tuple[AppointmentType | None, list[Clinician]]:
    """The active appointment type `appointment_type_id` in `appointment_type_list(actor)` (None if it is not
    there) and the clinicians of `bookable_clinicians(actor)` (only `clinician_ids`, if given), in one statement.

    The slot search's reads, which as two ORM querysets cost more to build and compile than the search of a
    month of one clinician's slots. The scope is those two selectors' (practice, then role: staff every active
    type and clinician; a client the client-bookable types and their care team's clinicians; anyone else the
    client-bookable types and no clinician), written out in SQL here; tests/scheduling/test_slot_scope.py holds
    the answer equal to the selectors' for every role. A clinician comes with its id and zone alone (the rest
    deferred), the type whole.
    """
    if clinician_ids is not None:  # an id beyond bigint names no row (and would not go into a bigint[])
        clinician_ids = [pk for pk in clinician_ids if -_BIGINT_MAX <= pk <= _BIGINT_MAX]
    if not -_BIGINT_MAX <= appointment_type_id <= _BIGINT_MAX:
        return None, []
    if actor.is_staff_member:
        scope = _STAFF
    elif actor.has_role(roles.CLIENT):
        scope = _CLIENT
    else:
        scope = _NEITHER
    params = {
        "practice": actor.practice_id,
        "type": appointment_type_id,
        "ids": clinician_ids,
        "actor": actor.pk,
    }
    with connection.cursor() as cursor:
        cursor.execute(_slot_search_subjects_sql(scope, named=clinician_ids is not None), params)
        rows = cursor.fetchall()
    if not rows:
        return None, []
    names = _type_columns()
    kind = AppointmentType.from_db(connection.alias, names, rows[0][: len(names)])
    clinicians = [
        Clinician.from_db(connection.alias, ["id", "time_zone"], (pk, tz)) for *_, pk, tz in rows if pk is not None
    ]
    return kind, clinicians


_STAFF, _CLIENT, _NEITHER = "staff", "client", "neither"


def _type_columns() -> list[str]:
    return [f.attname for f in AppointmentType._meta.concrete_fields]


def _col(model: Any, name: str) -> sql.Identifier:
    return sql.Identifier(model._meta.get_field(name).column)


# clinician_list's client branch: the clinicians on the care team of a client whose portal membership is the actor.
_CARE_TEAM_OF_PORTAL_MEMBERSHIP = sql.SQL(
    "c.{id} IN (SELECT m.{m_clinician} FROM {care_team} AS m JOIN {client} AS cl ON cl.{client_id} = m.{m_client} "
    "WHERE cl.{portal_membership} = %(actor)s)"
).format(
    id=_col(Clinician, "id"),
    m_clinician=_col(CareTeamMember, "clinician"),
    care_team=sql.Identifier(CareTeamMember._meta.db_table),
    client=sql.Identifier(Client._meta.db_table),
    client_id=_col(Client, "id"),
    m_client=_col(CareTeamMember, "client"),
    portal_membership=_col(Client, "portal_membership"),
)


@functools.cache
def _slot_search_subjects_sql(scope: str, *, named: bool) -> str:
    """The type's row joined to each clinician in scope (a single row of NULL clinician if none is): no row at
    all when the type is out of scope. psycopg's composition quotes each name; every value is a parameter."""
    type_columns = sql.SQL(", ").join(
        sql.SQL("t.{}").format(_col(AppointmentType, f.name)) for f in AppointmentType._meta.concrete_fields
    )
    clinician_filter: list[sql.Composable] = [sql.SQL("c.{} = %(practice)s").format(_col(Clinician, "practice"))]
    clinician_filter.append(sql.SQL("c.{}").format(_col(Clinician, "is_active")))
    clinician_filter.append(
        {_STAFF: sql.SQL("TRUE"), _CLIENT: _CARE_TEAM_OF_PORTAL_MEMBERSHIP, _NEITHER: sql.SQL("FALSE")}[scope]
    )
    if named:
        clinician_filter.append(sql.SQL("c.{} = ANY(%(ids)s::bigint[])").format(_col(Clinician, "id")))
    type_filter = [
        sql.SQL("t.{} = %(type)s").format(_col(AppointmentType, "id")),
        sql.SQL("t.{} = %(practice)s").format(_col(AppointmentType, "practice")),
        sql.SQL("t.{}").format(_col(AppointmentType, "is_active")),
    ]
    if scope != _STAFF:
        type_filter.append(sql.SQL("t.{}").format(_col(AppointmentType, "client_bookable")))
    query = sql.SQL(
        "SELECT {type_columns}, c.{c_id}, c.{c_zone} FROM {types} AS t LEFT JOIN {clinicians} AS c ON {on} "
        "WHERE {where} ORDER BY c.{c_id}"
    ).format(
        type_columns=type_columns,
        c_id=_col(Clinician, "id"),
        c_zone=_col(Clinician, "time_zone"),
        types=sql.Identifier(AppointmentType._meta.db_table),
        clinicians=sql.Identifier(Clinician._meta.db_table),
        on=sql.SQL(" AND ").join(clinician_filter),
        where=sql.SQL(" AND ").join(type_filter),
    )
    return query.as_string()


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
