"""Working time as UTC intervals: the arithmetic of working hours, time off and extra hours (no queries, no writes).

Shared by the slot search (scheduling/services/slots.py), the booking's availability check
(scheduling/services/availability.py) and the sessions-to-move read (scheduling/selectors.py), so a selector
never has to import a service. They read rules and exceptions as model instances or as plain rows (the slot
search): anything with the attributes below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from practice.models import Clinician
from scheduling.models import AvailabilityException
from scheduling.timezones import local_instant

Interval = tuple[datetime, datetime]


class WeeklyRule(Protocol):
    """What `working_windows` reads of an `AvailabilityRule`."""

    @property
    def weekday(self) -> int: ...
    @property
    def start_time(self) -> time: ...
    @property
    def end_time(self) -> time: ...
    @property
    def effective_from(self) -> date: ...
    @property
    def effective_until(self) -> date | None: ...


class OneOff(Protocol):
    """What `working_windows` reads of an `AvailabilityException`."""

    @property
    def kind(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _subtract(intervals: list[Interval], holes: list[Interval]) -> list[Interval]:
    if not holes:
        return intervals  # no time off: most clinicians' most months
    out: list[Interval] = []
    for start, end in intervals:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            nxt = []
            for s, e in pieces:
                if h_end <= s or h_start >= e:
                    nxt.append((s, e))
                    continue
                if s < h_start:
                    nxt.append((s, h_start))
                if h_end < e:
                    nxt.append((h_end, e))
            pieces = nxt
        out.extend(pieces)
    return out


def working_windows(
    *,
    clinician: Clinician,
    rules: Sequence[WeeklyRule],
    exceptions: Sequence[OneOff],
    start: datetime,
    end: datetime,
) -> list[Interval]:
    """The clinician's working time inside [start, end) as UTC intervals (rules are local wall times)."""
    tz = ZoneInfo(clinician.time_zone)
    day = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    by_weekday: dict[int, list[WeeklyRule]] = defaultdict(list)
    for rule in rules:
        by_weekday[rule.weekday].append(rule)
    windows: list[Interval] = []
    while day <= last:
        for rule in by_weekday.get(day.weekday(), ()):
            if rule.effective_from <= day and (rule.effective_until is None or day <= rule.effective_until):
                windows.append((local_instant(day, rule.start_time, tz), local_instant(day, rule.end_time, tz)))
        day += timedelta(days=1)
    windows += [(e.starts_at, e.ends_at) for e in exceptions if e.kind == AvailabilityException.Kind.EXTRA]
    holes = _merge((e.starts_at, e.ends_at) for e in exceptions if e.kind != AvailabilityException.Kind.EXTRA)
    clipped = [(max(s, start), min(e, end)) for s, e in _merge(windows)]
    return _subtract([(s, e) for s, e in clipped if s < e], holes)
