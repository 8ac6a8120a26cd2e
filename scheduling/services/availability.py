"""Working hours, time off, and the bookable slots computed from them.

Slots are computed with a fixed number of queries whatever the range: one each for the
clinicians, their weekly rules, their exceptions, their appointments, and (in person) the
rooms and the rooms' appointments. Everything else is arithmetic in Python.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, NotAllowed
from practice import roles
from practice.models import Clinician, Membership
from practice.selectors import acting_clinician
from practice.settings_schema import practice_setting
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    Mode,
    Room,
)
from scheduling.timezones import local_instant
from scheduling.windows import Interval, _merge, _subtract, working_windows  # noqa: F401  (pure interval arithmetic)

MAX_SLOT_RANGE_DAYS = 62
DEFAULT_STEP_MINUTES = 15


# --- writes -----------------------------------------------------------------------------------------


def require_schedule_writer(actor: Membership, clinician: Clinician) -> None:
    """Front desk manages every clinician's schedule; a clinician manages their own.

    The clinician is one of the practice's: named in a request, it came scoped from the door."""
    if actor.has_role(roles.FRONT_DESK):
        return
    own = acting_clinician(actor)
    if own is not None and own.pk == clinician.pk:
        return
    raise NotAllowed("You may change only your own schedule.")


@transaction.atomic
def availability_rule_save(
    *, actor: Membership, rule: AvailabilityRule | None = None, **fields: Any
) -> AvailabilityRule:
    if rule is not None:
        require_schedule_writer(actor, rule.clinician)  # the current owner, before any change moves it
    rule = rule or AvailabilityRule(practice=actor.practice)
    for name, value in fields.items():
        setattr(rule, name, value)
    require_schedule_writer(actor, rule.clinician)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def availability_rule_delete(*, actor: Membership, rule: AvailabilityRule) -> None:
    require_schedule_writer(actor, rule.clinician)
    rule.delete()


@transaction.atomic
def availability_exception_save(
    *, actor: Membership, exception: AvailabilityException | None = None, **fields: Any
) -> AvailabilityException:
    if exception is not None:
        require_schedule_writer(actor, exception.clinician)  # the current owner, before any change moves it
    exception = exception or AvailabilityException(practice=actor.practice)
    for name, value in fields.items():
        setattr(exception, name, value)
    require_schedule_writer(actor, exception.clinician)
    exception.full_clean()
    exception.save()
    return exception


@transaction.atomic
def availability_exception_delete(*, actor: Membership, exception: AvailabilityException) -> None:
    require_schedule_writer(actor, exception.clinician)
    exception.delete()


# --- interval arithmetic ----------------------------------------------------------------------------


def clinician_is_available(*, clinician: Clinician, starts_at: datetime, ends_at: datetime) -> bool:
    """Whether [starts_at, ends_at) lies inside working hours and outside time off (two queries)."""
    rules = list(AvailabilityRule.objects.filter(clinician=clinician, weekday__in=range(7)))
    exceptions = list(
        AvailabilityException.objects.filter(clinician=clinician, starts_at__lt=ends_at, ends_at__gt=starts_at)
    )
    windows = working_windows(
        clinician=clinician,
        rules=rules,
        exceptions=exceptions,
        start=starts_at - timedelta(days=1),
        end=ends_at + timedelta(days=1),
    )
    return any(s <= starts_at and ends_at <= e for s, e in windows)


def _overlaps(sorted_busy: list[Interval], starts: list[datetime], start: datetime, end: datetime) -> bool:
    # sorted_busy are merged (disjoint, sorted): only the interval starting just before `end` can overlap.
    i = bisect.bisect_left(starts, end) - 1
    return i >= 0 and sorted_busy[i][1] > start


# --- slots ------------------------------------------------------------------------------------------


def slots_for(
    *,
    appointment_type: AppointmentType,
    clinicians: list[Clinician],
    date_from: date,
    date_to: date,
    tz: ZoneInfo,
    mode: str,
    now: datetime | None = None,
    step_minutes: int | None = None,
) -> list[dict[str, Any]]:
    """Bookable start times, rendered in `tz`, for `appointment_type` with any of `clinicians`.

    A slot needs: the session inside working hours (not time off / blocked); the session plus
    the type's buffers clear of the clinician's other active appointments (and their buffers);
    for in-person sessions a free room (at the rule's location if it names one); at least
    `min_notice_hours` from now and at most `max_advance_days` ahead.
    """
    if date_to < date_from:
        raise DomainError("date_to is before date_from.", fields={"date_to": ["Must not be before date_from."]})
    if (date_to - date_from).days > MAX_SLOT_RANGE_DAYS:
        raise DomainError("Range too long.", fields={"date_to": [f"At most {MAX_SLOT_RANGE_DAYS} days."]})
    if mode not in appointment_type.modes:
        raise DomainError("Mode not offered.", fields={"mode": [f"This type allows {appointment_type.modes}."]})
    now = now or timezone.now()
    range_start = max(
        local_instant(date_from, datetime.min.time(), tz), now + timedelta(hours=appointment_type.min_notice_hours)
    )
    range_end = min(
        local_instant(date_to + timedelta(days=1), datetime.min.time(), tz),
        now + timedelta(days=appointment_type.max_advance_days),
    )
    if range_start >= range_end or not clinicians:
        return []
    step = timedelta(minutes=step_minutes or practice_setting(appointment_type.practice, "slot_step_minutes"))
    duration = timedelta(minutes=appointment_type.duration_minutes)
    before = timedelta(minutes=appointment_type.buffer_before_minutes)
    after = timedelta(minutes=appointment_type.buffer_after_minutes)
    ids = [c.pk for c in clinicians]
    pad = timedelta(days=1)

    rules: dict[int, list[AvailabilityRule]] = defaultdict(list)
    for rule in (
        AvailabilityRule.objects.filter(clinician_id__in=ids)
        .exclude(effective_until__lt=(range_start - pad).date())
        .exclude(effective_from__gt=(range_end + pad).date())
    ):
        rules[rule.clinician_id].append(rule)
    exceptions: dict[int, list[AvailabilityException]] = defaultdict(list)
    for exc in AvailabilityException.objects.filter(
        clinician_id__in=ids, starts_at__lt=range_end + pad, ends_at__gt=range_start - pad
    ):
        exceptions[exc.clinician_id].append(exc)
    busy: dict[int, list[Interval]] = defaultdict(list)
    for clinician_id, occupied in Appointment.objects.filter(
        clinician_id__in=ids,
        status__in=ACTIVE_STATUSES,
        occupied__overlap=(range_start - before - pad, range_end + after + pad),
    ).values_list("clinician_id", "occupied"):
        busy[clinician_id].append((occupied.lower, occupied.upper))

    rooms_by_location: dict[int | None, list[int]] = defaultdict(list)
    room_busy: dict[int, list[Interval]] = defaultdict(list)
    if mode == Mode.IN_PERSON:
        for room_id, location_id in Room.objects.filter(
            practice_id=appointment_type.practice_id, is_active=True
        ).values_list("pk", "location_id"):
            rooms_by_location[location_id].append(room_id)
            rooms_by_location[None].append(room_id)
        for room_id, s, e in Appointment.objects.filter(
            room_id__in=rooms_by_location[None],
            status__in=ACTIVE_STATUSES,
            starts_at__lt=range_end + pad,
            ends_at__gt=range_start - pad,
        ).values_list("room_id", "starts_at", "ends_at"):
            room_busy[room_id].append((s, e))
    room_index = {rid: (m := _merge(iv), [s for s, _ in m]) for rid, iv in room_busy.items()}

    out: list[dict[str, Any]] = []
    for clinician in clinicians:
        merged_busy = _merge(busy[clinician.pk])
        busy_starts = [s for s, _ in merged_busy]
        ctz = ZoneInfo(clinician.time_zone)
        located = _rule_locations(rules[clinician.pk], ctz)
        for w_start, w_end in working_windows(
            clinician=clinician,
            rules=rules[clinician.pk],
            exceptions=exceptions[clinician.pk],
            start=range_start,
            end=range_end,
        ):
            start = _align(w_start, step, ctz)
            while start + duration <= w_end:
                end = start + duration
                if not _overlaps(merged_busy, busy_starts, start - before, end + after):
                    room_id = None
                    if mode == Mode.IN_PERSON:
                        candidates = rooms_by_location.get(located(start), [])
                        room_id = next(
                            (r for r in candidates if r not in room_index or not _overlaps(*room_index[r], start, end)),
                            None,
                        )
                    if mode != Mode.IN_PERSON or room_id is not None:
                        out.append(
                            {
                                "clinician": clinician.pk,
                                "starts_at": start.astimezone(tz),
                                "ends_at": end.astimezone(tz),
                                "room": room_id,
                            }
                        )
                start += step
    out.sort(key=lambda s: (s["starts_at"], s["clinician"]))
    return out


def _align(instant: datetime, step: timedelta, tz: ZoneInfo) -> datetime:
    """Round up to the step grid of the local hour (10:07 with 15-minute steps -> 10:15)."""
    local = instant.astimezone(tz)
    minutes = local.minute + local.second / 60
    step_min = int(step.total_seconds() // 60) or 1
    extra = (-minutes) % step_min
    return (instant + timedelta(minutes=extra)).replace(second=0, microsecond=0).astimezone(UTC)


def _rule_locations(rules: list[AvailabilityRule], tz: ZoneInfo):
    """A function from an instant to the location named by the weekly rule covering it (None: anywhere)."""

    def located(instant: datetime) -> int | None:
        local = instant.astimezone(tz)
        for rule in rules:
            if (
                rule.weekday == local.weekday()
                and rule.location_id
                and rule.start_time <= local.time() < rule.end_time
                and rule.effective_from <= local.date()
                and (rule.effective_until is None or local.date() <= rule.effective_until)
            ):
                return rule.location_id
        return None

    return located
