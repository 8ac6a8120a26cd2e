"""Recurring appointments: a local wall time, an IANA zone and an RFC 5545 RRULE.

Occurrences are expanded as *local* date-times and only then turned into instants, one by
one, so a weekly 10:00 stays at 10:00 local across daylight-saving changes. Wall times that
do not exist or happen twice follow the rule in scheduling/timezones.py and each adjusted
occurrence says so in the report. Occurrences are materialised as appointments up to a
rolling horizon (`Practice.settings["series_horizon_days"]`, 182 by default), which a
daily task extends.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Clinician, Membership
from practice.settings_schema import practice_setting
from scheduling.models import AppointmentSeries, AppointmentType, Room, SeriesSkippedOccurrence
from scheduling.services.appointment_rules import (
    clinician_is_bookable,
    require_clients_in_scope,
    validate_booking,
)
from scheduling.services.availability import require_schedule_writer
from scheduling.services.booking import book_unchecked_actor
from scheduling.services.series_rules import (
    MAX_OCCURRENCES_PER_RUN,
    rrule_validate,
    start_date_validate,
)
from scheduling.timezones import resolve_local

ALL_OR_NOTHING = "all_or_nothing"
BOOK_AVAILABLE = "book_available"
DEFAULT_HORIZON_DAYS = 182

logger = logging.getLogger(__name__)


def _rule(series: AppointmentSeries):
    text = f"RRULE:{series.rrule}"
    if series.count:
        text += f";COUNT={series.count}"
    if series.until_date:
        text += f";UNTIL={series.until_date:%Y%m%d}T235959"
    return rrulestr(text, dtstart=datetime.combine(series.start_date, series.local_time))


def occurrences(series: AppointmentSeries, first: date, last: date) -> list[datetime]:
    """Local (naive) start times of the occurrences falling on dates first..last inclusive."""
    return _rule(series).between(datetime.combine(first, time.min), datetime.combine(last, time.max), inc=True)


def series_horizon(series: AppointmentSeries, today: date | None = None) -> date:
    today = today or timezone.localdate()
    days = practice_setting(series.practice, "series_horizon_days")
    horizon = today + timedelta(days=days)
    return min(horizon, series.until_date) if series.until_date else horizon


def series_unbookable(series: AppointmentSeries) -> dict[str, str] | None:
    """Why no occurrence of this series can be booked any more, as a skipped occurrence's conflict; else None.

    What the series was created with has been withdrawn since: its clinician deactivated (the clinician
    profile, their membership of the practice or their user account), a client's record made inactive
    (discharged), its appointment type archived or no
    longer offered in the series' mode, or its room retired. The booking rules refuse each (400), which
    would fail the whole extension on every run. The first reason found is given, the clinician's first.
    """
    if not clinician_is_bookable(series.clinician):
        return {"code": "clinician_inactive", "resource": "clinician", "message": "The clinician is not active."}
    if series.clients.filter(is_active=False).exists():
        return {"code": "client_inactive", "resource": "client", "message": "A client of the series is not active."}
    kind = series.appointment_type
    if not kind.is_active:
        return {
            "code": "appointment_type_inactive",
            "resource": "appointment_type",
            "message": "The appointment type is archived.",
        }
    if series.mode not in kind.modes:
        return {
            "code": "mode_not_offered",
            "resource": "appointment_type",
            "message": f"The appointment type is no longer offered {series.mode.replace('_', ' ')}.",
        }
    if series.room is not None and not series.room.is_active:
        return {"code": "room_inactive", "resource": "room", "message": "The room is retired."}
    return None


def book_occurrence(
    series: AppointmentSeries,
    *,
    booked_by: Membership | None,
    clients: list,
    starts_at: datetime,
    series_date: date,
    require_availability: bool,
):
    """Book one occurrence of the series (its clinician, type, mode, room and link) through the booking rules."""
    return book_unchecked_actor(
        practice_id=series.practice_id,
        booked_by=booked_by,
        clinician=series.clinician,
        clients=clients,
        appointment_type=series.appointment_type,
        starts_at=starts_at,
        mode=series.mode,
        room=series.room,
        video_link=series.video_link,
        series_id=series.pk,
        series_date=series_date,
        require_availability=require_availability,
    )


def _materialise(
    series: AppointmentSeries,
    *,
    up_to: date,
    booked_by: Membership | None,
    on_conflict: str,
    require_availability: bool = True,
    unbookable: dict[str, str] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Book each occurrence after `materialised_until` up to `up_to`; report each one, and how many were
    skipped (recorded as `SeriesSkippedOccurrence`). With `unbookable` (see `series_unbookable`) nothing is
    tried: every occurrence is that conflict."""
    tz = ZoneInfo(series.time_zone)
    first = (series.materialised_until + timedelta(days=1)) if series.materialised_until else series.start_date
    clients = list(series.clients.all())
    report: list[dict[str, Any]] = []
    due = occurrences(series, first, up_to)
    if len(due) > MAX_OCCURRENCES_PER_RUN:  # the rest waits for the next extension run
        due = due[:MAX_OCCURRENCES_PER_RUN]
        up_to = due[-1].date()
    for local in due:
        instant, adjustment = resolve_local(local, tz)
        entry: dict[str, Any] = {
            "date": local.date().isoformat(),
            "local_start": local.isoformat(),
            "time_zone": series.time_zone,
            "starts_at": instant.isoformat(),
            "dst_adjustment": adjustment,
        }
        if unbookable:
            entry.update(status="conflict", conflict=dict(unbookable))
            report.append(entry)
            continue
        try:
            with transaction.atomic():
                appointment = book_occurrence(
                    series,
                    booked_by=booked_by,
                    clients=clients,
                    starts_at=instant,
                    series_date=local.date(),
                    require_availability=require_availability,
                )
            entry.update(status="booked", appointment=appointment.pk)
        except Conflict as exc:
            entry.update(status="conflict", conflict={"code": exc.code, "message": exc.message, **exc.extra})
        report.append(entry)
    conflicts = [e for e in report if e["status"] == "conflict"]
    if conflicts and on_conflict == ALL_OR_NOTHING:
        raise Conflict(
            f"{len(conflicts)} of {len(report)} occurrences conflict: nothing was booked.",
            code="series_conflicts",
            extra={"occurrences": report},
        )
    skipped = _record_skipped(series, conflicts)
    series.materialised_until = up_to
    series.save(update_fields=["materialised_until"])
    return report, skipped


def _record_skipped(series: AppointmentSeries, conflicts: list[dict[str, Any]]) -> int:
    """Keep a row for each occurrence left unbooked, so someone can book or dismiss it later.

    Only the conflict's code and resource are kept: not its message or taken interval, which
    describe someone else's time. One row per (series, date): running again adds nothing, and a
    row already dismissed or booked stays as it is.
    """
    if not conflicts:
        return 0
    duration = timedelta(minutes=series.appointment_type.duration_minutes)
    booked = set(
        series.appointments.filter(series_date__in=[e["date"] for e in conflicts]).values_list("series_date", flat=True)
    )
    rows = []
    for entry in conflicts:
        if date.fromisoformat(entry["date"]) in booked:
            continue  # the occurrence exists already (its own time conflicted with it): nothing was skipped
        starts_at = datetime.fromisoformat(entry["starts_at"])
        rows.append(
            SeriesSkippedOccurrence(
                practice_id=series.practice_id,
                series=series,
                series_date=date.fromisoformat(entry["date"]),
                starts_at=starts_at,
                ends_at=starts_at + duration,
                conflict_code=entry["conflict"]["code"],
                resource=entry["conflict"].get("resource", ""),
            )
        )
    SeriesSkippedOccurrence.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def series_create(
    *,
    actor: Membership,
    clinician: Clinician,
    clients: list[Client],
    appointment_type: AppointmentType,
    mode: str,
    time_zone: str,
    start_date: date,
    local_time: time,
    rrule: str,
    count: int | None = None,
    until_date: date | None = None,
    room: Room | None = None,
    video_link: str = "",
    on_conflict: str = ALL_OR_NOTHING,
    outside_availability: bool = False,
    continues_series: bool = False,
) -> tuple[AppointmentSeries, list[dict[str, Any]]]:
    """Create a series and book its occurrences up to the horizon, reporting each occurrence.

    A new series with no occurrence inside the horizon is refused (400 `series_beyond_horizon`, naming
    `start_date` and `horizon_date`); `continues_series` (the "this and following" edit, whose pivot may lie
    beyond the horizon the old series was booked to) lets the rolling extension book it later instead.

    `on_conflict="all_or_nothing"` books nothing if any occurrence conflicts (409 with the
    per-occurrence report); `"book_available"` books the rest, reports the conflicts and records each
    as a `SeriesSkippedOccurrence` (as the rolling extension does). Clients
    the caller may not see answer 400 on `clients` (also when "this and following" re-creates a series).
    """
    require_clients_in_scope(actor, clients)
    require_schedule_writer(actor, clinician)
    if on_conflict not in (ALL_OR_NOTHING, BOOK_AVAILABLE):
        raise DomainError("Unknown conflict policy.", fields={"on_conflict": [f"{ALL_OR_NOTHING} or {BOOK_AVAILABLE}"]})
    if count is not None and until_date is not None:
        raise DomainError("End a series by count or by date, not both.", fields={"count": ["Give one end only."]})
    if until_date is not None and until_date < start_date:
        raise DomainError("The series ends before it starts.", fields={"until_date": ["Before start_date."]})
    start_date_validate(start_date, today=timezone.localdate())
    rrule = rrule_validate(rrule, start_date=start_date)
    validate_booking(
        actor_practice_id=actor.practice_id,
        clinician=clinician,
        clients=clients,
        appointment_type=appointment_type,
        mode=mode,
        room=room,
        video_link=video_link,
        starts_at=timezone.now(),
    )
    series = AppointmentSeries(
        practice=actor.practice,
        clinician=clinician,
        appointment_type=appointment_type,
        mode=mode,
        room=room,
        video_link=video_link,
        time_zone=time_zone,
        start_date=start_date,
        local_time=local_time,
        rrule=rrule,
        count=count,
        until_date=until_date,
        outside_availability=outside_availability,
        created_by=actor,
    )
    series.full_clean()
    series.save()
    series.clients.set(clients)
    horizon = series_horizon(series)
    report, _ = _materialise(
        series,
        up_to=horizon,
        booked_by=actor,
        on_conflict=on_conflict,
        require_availability=not outside_availability,
    )
    if not report and not continues_series:
        # Nothing falls inside the horizon (the series starts beyond it, or its rule's first date does): a 201
        # with no occurrence would read as success. Refused whole: the series row rolls back with the rest.
        raise DomainError(
            f"No session of this series falls within the booking horizon (up to {horizon.isoformat()}): start "
            "it nearer, or create it once its first session is within reach.",
            code="series_beyond_horizon",
            fields={"start_date": [f"The first session must fall on or before {horizon.isoformat()}."]},
            extra={"horizon_date": horizon.isoformat()},
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=series,
        detail={"clients": [c.pk for c in clients], "booked": sum(e["status"] == "booked" for e in report)},
    )
    return series, report


@transaction.atomic
def series_extend(*, series_id: int, today: date | None = None) -> dict[str, int]:
    """Materialise occurrences up to the rolling horizon; `{"booked": n, "skipped": m}`. Safe to run twice.

    An occurrence that conflicts is not booked: it is recorded as a `SeriesSkippedOccurrence`
    (once per date) for the front desk or the clinician to book or dismiss, and counted in `skipped`.

    When the series itself can no longer be booked (see `series_unbookable`: clinician deactivated, appointment
    type archived or no longer offered in the series' mode, room retired) nothing is tried and nothing
    raises: each new occurrence is recorded as skipped with that code (`clinician_inactive`,
    `appointment_type_inactive`, `mode_not_offered`, `room_inactive`) and the horizon still moves on, so
    the front desk sees the gap week by week in the skipped occurrences they already work through, and
    rebooks the client (another clinician, type or room: a new series) and cancels this one, which
    withdraws its open rows. The series is not ended: reactivating the clinician, type or room lets the
    next run book again, and the rows already recorded can then be booked.
    """
    series = (
        AppointmentSeries.objects.select_for_update(of=("self",))
        .select_related("practice", "clinician__membership__user", "appointment_type", "room")
        .get(pk=series_id)
    )
    if series.state != AppointmentSeries.State.ACTIVE:
        return {"booked": 0, "skipped": 0}
    horizon = series_horizon(series, today)
    if series.materialised_until and series.materialised_until >= horizon:
        return {"booked": 0, "skipped": 0}
    unbookable = series_unbookable(series)
    report, skipped = _materialise(
        series,
        up_to=horizon,
        booked_by=series.created_by,
        on_conflict=BOOK_AVAILABLE,
        require_availability=not series.outside_availability,
        unbookable=unbookable,
    )
    if series.until_date and series.materialised_until >= series.until_date:
        series.state = AppointmentSeries.State.ENDED
        series.save(update_fields=["state"])
    result = {"booked": sum(e["status"] == "booked" for e in report), "skipped": skipped}
    if unbookable:
        logger.warning(
            "series %s extended to %s: nothing booked, %s skipped (%s)",
            series.pk,
            horizon,
            result["skipped"],
            unbookable["code"],
        )
    elif result["skipped"]:
        logger.warning(
            "series %s extended to %s: %s booked, %s skipped (conflicts)",
            series.pk,
            horizon,
            result["booked"],
            result["skipped"],
        )
    else:
        logger.info("series %s extended to %s: %s booked", series.pk, horizon, result["booked"])
    return result
