"""The bookable slots, computed from working hours, time off and the time already taken.

Slots are computed with a fixed number of queries whatever the range: one for the clinicians'
weekly rules, exceptions and time taken by appointments (merged by the database, as integer
microseconds: `working_time_read` in scheduling/services/availability.py, the booking's read too),
and (in person) one for the rooms and one for the rooms' appointments.
Everything else is arithmetic in Python, on integers: each busy interval blocks one open
interval of start times, and the free starts of a working window are whole runs of the step
grid between them (docs/performance.md, "Slots").
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.errors import DomainError
from practice.models import Clinician
from practice.settings_schema import practice_setting
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentType,
    Mode,
    Room,
)
from scheduling.services.availability import RuleRow, working_time_read
from scheduling.timezones import DateTexts, TimeTexts, local_instant
from scheduling.windows import Interval, _merge, working_windows

MAX_SLOT_RANGE_DAYS = 62
DEFAULT_STEP_MINUTES = 15


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
    as_text: bool = False,
) -> list[dict[str, Any]]:
    """Bookable start times, rendered in `tz`, for `appointment_type` with any of `clinicians`: dicts of
    `clinician` (id), `starts_at`, `ends_at` (datetimes in `tz`; with `as_text`, their ISO 8601 text, what
    `datetime.isoformat` gives, made without a time-zone lookup each) and `room` (id or None), soonest first.

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

    rules, exceptions, busy = working_time_read(
        clinician_ids=ids,
        start=range_start - pad,
        end=range_end + pad,
        busy=(range_start - before - pad, range_end + after + pad),
    )

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

    # In integer microseconds since the epoch: a start `s` is blocked by a busy [b, e) when
    # b - (duration + after) < s < e + before, so each busy interval blocks one open interval of starts.
    dur_us, step_us = _us_of(duration), _us_of(step)
    reach_back, reach_on = dur_us + _us_of(after), _us_of(before)
    local = _Local(tz, duration)
    out: list[dict[str, Any]] = []
    instants: list[int] = []  # out[i] starts at instants[i] (microseconds)
    # Clinicians in id order, then a stable sort on the instant alone: the order is (starts_at, clinician). The
    # instant, not the datetime: two datetimes of one zone compare by wall time, which puts the repeated hour
    # of a fall-back out of order.
    for clinician in sorted(clinicians, key=_pk):
        pk = clinician.pk
        blocked = [(b - reach_back, e + reach_on) for b, e in busy.get(pk, ())]
        blocked_ends = [e for _, e in blocked]
        ctz = ZoneInfo(clinician.time_zone)
        located = _rule_locations(rules[pk], ctz) if mode == Mode.IN_PERSON else None
        for w_start, w_end in working_windows(
            clinician=clinician,
            rules=rules[pk],
            exceptions=exceptions[pk],
            start=range_start,
            end=range_end,
        ):
            first, last = _window_us(w_start, w_end, step, ctz)
            starts = _free_starts(first, last - dur_us, step_us, blocked, blocked_ends)
            if not starts:
                continue
            if located is None:
                ats, ends = local.rendered_text(starts) if as_text else local.rendered(starts)
                out += [
                    {"clinician": pk, "starts_at": at, "ends_at": end, "room": None}
                    for at, end in zip(ats, ends, strict=True)
                ]
                instants += starts
                continue
            ats, ends = local.rendered(starts)
            for s_us, at, ends_at in zip(starts, ats, ends, strict=True):
                candidates = rooms_by_location.get(located(at), [])
                room_id = next(
                    (r for r in candidates if r not in room_index or not _overlaps(*room_index[r], at, ends_at)),
                    None,
                )
                if room_id is not None:
                    if as_text:
                        out.append(
                            {
                                "clinician": pk,
                                "starts_at": at.isoformat(),
                                "ends_at": ends_at.isoformat(),
                                "room": room_id,
                            }
                        )
                    else:
                        out.append({"clinician": pk, "starts_at": at, "ends_at": ends_at, "room": room_id})
                    instants.append(s_us)
    if len(clinicians) == 1:
        return out  # one clinician's windows come in order
    return [out[i] for i in sorted(range(len(out)), key=instants.__getitem__)]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_DAY_US = 24 * 60 * 60 * 1_000_000


def _us(instant: datetime) -> int:
    # Exact: the float timestamp of an instant of this era holds microseconds to within 0.25 us.
    return round(instant.timestamp() * 1_000_000)


def _us_of(span: timedelta) -> int:
    return span // _ONE_US


def _pk(clinician: Clinician) -> int:
    return clinician.pk


def _free_starts(first: int, last: int, step: int, blocked: list[tuple[int, int]], ends: list[int]) -> list[int]:
    """The grid points first, first + step, ... <= last that lie in no open interval of `blocked` (sorted,
    their ends in `ends`)."""
    out: list[int] = []
    s = first
    i = bisect.bisect_right(ends, s)  # the first interval that still blocks something at or after s
    n = len(blocked)
    while s <= last:
        if i == n:
            out.extend(range(s, last + 1, step))
            break
        lo, hi = blocked[i]
        if s <= lo:
            stop = min(lo, last)
            out.extend(range(s, stop + 1, step))
            s += ((stop - s) // step + 1) * step
            if s > last:
                break
        if s < hi:
            s += -(-(hi - s) // step) * step
        i += 1
    return out


class _Local:
    """Instants in integer microseconds as datetimes in `tz`, and the ends of the sessions starting at them.

    A time-zone conversion per slot is most of the cost of a month of slots: instead, for each UTC day the
    instants of a window start in, the wall time of that day's midnight is converted once. Where `tz` keeps
    one UTC offset from it over the next two days (no daylight-saving change, not in the repeated hour of
    one), wall-clock arithmetic from it is exact for every start of the window and every session's end (a
    window is under a day long, and so is a session). That takes at most one change of offset in any two
    days: tzdata has none closer than six days since 1970. Elsewhere (a window on the day of a change), each
    instant is converted on its own."""

    def __init__(self, tz: ZoneInfo, duration: timedelta):
        self.tz = tz
        self.duration = duration
        self.duration_us = _us_of(duration)
        self.shifts = _Shifts()
        self.dates = DateTexts()
        self.times = TimeTexts()

    def rendered(self, starts: list[int]) -> tuple[list[datetime], list[datetime]]:
        """`starts` (sorted, inside one window) and the sessions' ends, as datetimes in `tz`."""
        day = starts[0] // _DAY_US
        steady = self._steady(day, starts)
        duration = self.duration
        if steady is None:
            tz = self.tz
            instants = [_EPOCH + timedelta(microseconds=s) for s in starts]
            return [i.astimezone(tz) for i in instants], [(i + duration).astimezone(tz) for i in instants]
        midnight, shifts, base = steady[0], self.shifts, day * _DAY_US
        ats = [midnight + shifts[s - base] for s in starts]
        return ats, [at + duration for at in ats]

    def rendered_text(self, starts: list[int]) -> tuple[list[str], list[str]]:
        """What `rendered` gives, as `isoformat()` text. Where the offset is steady, each text is put together from
        its date's, its time of day's and the offset's, each made once (`isoformat()` of an aware datetime looks
        its offset up and formats it, and building the datetime costs as much again)."""
        day = starts[0] // _DAY_US
        steady = self._steady(day, starts)
        if steady is None:
            ats, ends = self.rendered(starts)
            return [at.isoformat() for at in ats], [end.isoformat() for end in ends]
        _, wall, offset = steady
        # x: microseconds from the wall-clock midnight starting the midnight's local date.
        shift = (wall.hour * 3600 + wall.minute * 60 + wall.second) * 1_000_000 + wall.microsecond - day * _DAY_US
        xs = [s + shift for s in starts]
        dates, times, first = self.dates, self.times, wall.toordinal()
        ats = [dates[first + x // _DAY_US] + times[x % _DAY_US] + offset for x in xs]
        ends = [dates[first + x // _DAY_US] + times[x % _DAY_US] + offset for x in [x + self.duration_us for x in xs]]
        return ats, ends

    def _steady(self, day: int, starts: list[int]) -> tuple[datetime, datetime, str] | None:
        """`_midnight(tz, day)`, if wall-clock arithmetic from it is exact for `starts` and their ends."""
        steady = _midnight(self.tz, day)
        if steady is None or starts[-1] + self.duration_us >= (day + 2) * _DAY_US:
            return None
        return steady


@functools.lru_cache(maxsize=4096)  # the same few zones and days for every search
def _midnight(tz: ZoneInfo, day: int) -> tuple[datetime, datetime, str] | None:
    """The midnight (UTC) of `day` (since the epoch) in tz, its naive wall time and its offset's text ("-05:00"),
    if tz keeps that offset for the next two days; None where it changes (or it is in a repeated hour)."""
    first = (_EPOCH + timedelta(days=day)).astimezone(tz)
    last = (_EPOCH + timedelta(days=day + 2)).astimezone(tz)
    if first.fold or last.fold or first.utcoffset() != last.utcoffset():
        return None
    wall = first.replace(tzinfo=None)
    return first, wall, first.isoformat()[len(wall.isoformat()) :]


class _Shifts(dict):
    """timedelta(microseconds=us), made once for each `us` (the same few times of day come back every day)."""

    def __missing__(self, us: int) -> timedelta:
        self[us] = shift = timedelta(microseconds=us)
        return shift


@functools.lru_cache(maxsize=8192)  # the same window edges come back for every clinician of a zone
def _window_us(start: datetime, end: datetime, step: timedelta, tz: ZoneInfo) -> tuple[int, int]:
    """A working window's first start on the step grid and its end, in microseconds."""
    return _us(_align(start, step, tz)), _us(end)


def _align(instant: datetime, step: timedelta, tz: ZoneInfo) -> datetime:
    """Round up to the step grid of the local hour (10:07 with 15-minute steps -> 10:15)."""
    local = instant.astimezone(tz)
    minutes = local.minute + local.second / 60
    step_min = int(step.total_seconds() // 60) or 1
    extra = (-minutes) % step_min
    return (instant + timedelta(minutes=extra)).replace(second=0, microsecond=0).astimezone(UTC)


def _rule_locations(rules: list[RuleRow], tz: ZoneInfo):
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
