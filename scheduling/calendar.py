"""The front desk's calendar: which sessions fall in a day or a week, laid out per clinician or per room.

A read like any other: the appointments come from `selectors.appointment_list` (practice and role scope),
narrowed to the window and the filters; the grid is plain data the page renders. Three queries whatever the
number of sessions: appointments (with clinician, type, room, clients), clinicians, rooms.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from practice.models import Membership
from practice.selectors import clinician_list
from scheduling import selectors
from scheduling.models import ACTIVE_STATUSES, Appointment, Status

DAY = "day"
WEEK = "week"
BY_CLINICIAN = "clinician"
BY_ROOM = "room"
SLOT_MINUTES = 30

# Status in words and a tone for the badge (never colour alone).
STATUS_TONE = {
    Status.REQUESTED: "info",
    Status.SCHEDULED: "info",
    Status.CONFIRMED: "ok",
    Status.CHECKED_IN: "ok",
    Status.COMPLETED: "muted",
    Status.CANCELLED: "muted",
    Status.LATE_CANCELLED: "warn",
    Status.NO_SHOW: "bad",
    Status.DECLINED: "muted",
}


@dataclass
class Column:
    key: int | None
    label: str
    appointments: list = field(default_factory=list)


@dataclass
class CalendarWindow:
    view: str
    anchor: date
    first: date
    days: list[date]
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, self.tz)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.days[-1] + timedelta(days=1), time.min, self.tz)

    @property
    def previous(self) -> date:
        return self.anchor - timedelta(days=1 if self.view == DAY else 7)

    @property
    def next(self) -> date:
        return self.anchor + timedelta(days=1 if self.view == DAY else 7)


def calendar_window(*, view: str, anchor: date, tz: ZoneInfo) -> CalendarWindow:
    if view == WEEK:
        first = anchor - timedelta(days=anchor.weekday())  # weeks start on Monday
        return CalendarWindow(view, anchor, first, [first + timedelta(days=i) for i in range(7)], tz)
    return CalendarWindow(DAY, anchor, anchor, [anchor], tz)


def calendar_appointments(
    *,
    actor: Membership,
    window: CalendarWindow,
    clinician_id: int | None = None,
    location_id: int | None = None,
    room_id: int | None = None,
    include_cancelled: bool = False,
) -> list[Appointment]:
    """The caller's appointments starting inside the window, in time order (one query with their
    clinician, type, room and clients)."""
    qs = selectors.appointment_list(actor=actor).filter(starts_at__gte=window.start, starts_at__lt=window.end)
    if not include_cancelled:
        qs = qs.filter(status__in=[*ACTIVE_STATUSES, Status.REQUESTED, Status.NO_SHOW])
    if clinician_id:
        qs = qs.filter(clinician_id=clinician_id)
    if room_id:
        qs = qs.filter(room_id=room_id)
    elif location_id:
        qs = qs.filter(room__location_id=location_id)
    return list(qs.order_by("starts_at", "pk"))


def calendar_columns(
    *,
    actor: Membership,
    appointments: list[Appointment],
    by: str,
    rooms: list,
    clinician_id: int | None = None,
) -> list[Column]:
    """One column per clinician (every active one the caller sees, so an empty day still shows who is
    free) or per room, with each appointment in its column."""
    if by == BY_ROOM:
        columns = {room.pk: Column(room.pk, f"{room.name} ({room.location.name})") for room in rooms}
        key_of = lambda a: a.room_id  # noqa: E731
    else:
        clinicians = clinician_list(actor=actor).filter(is_active=True).select_related("membership__user")
        if clinician_id:
            clinicians = clinicians.filter(pk=clinician_id)
        columns = {c.pk: Column(c.pk, str(c)) for c in clinicians.order_by("membership__user__full_name", "pk")}
        key_of = lambda a: a.clinician_id  # noqa: E731
    for appointment in appointments:
        key = key_of(appointment)
        if key not in columns:  # a clinician deactivated since, or a session with no room
            label = "Telehealth / no room" if key is None else str(appointment.clinician)
            columns[key] = Column(key, label)
        columns[key].appointments.append(appointment)
    return list(columns.values())


def slot_index(local: datetime) -> int:
    return (local.hour * 60 + local.minute) // SLOT_MINUTES


def day_grid(*, window: CalendarWindow, columns: list[Column], free: list[dict] | None = None) -> list[dict]:
    """The day view as rows of half hours (07:00-20:00, widened to the earliest and latest session or free
    time), each row holding, per column, the sessions and the free times that start in it."""
    free = free or []
    placed: dict[tuple, list] = defaultdict(list)
    open_: dict[tuple, list] = defaultdict(list)
    indices = []
    for column in columns:
        for appointment in column.appointments:
            index = slot_index(appointment.starts_at.astimezone(window.tz))
            placed[(column.key, index)].append(appointment)
            indices.append(index)
    for slot in free:
        index = slot_index(slot["starts_at"].astimezone(window.tz))
        open_[(slot["clinician"], index)].append(slot)
        indices.append(index)
    first = min([7 * 60 // SLOT_MINUTES, *indices])
    last = max([20 * 60 // SLOT_MINUTES - 1, *indices])
    rows = []
    for index in range(first, last + 1):
        minutes = index * SLOT_MINUTES
        local = datetime.combine(window.first, time(minutes // 60, minutes % 60), window.tz)
        cells = [
            {"column": c, "appointments": placed.get((c.key, index), []), "free": open_.get((c.key, index), [])}
            for c in columns
        ]
        rows.append({"label": local.strftime("%H:%M"), "starts_at": local, "cells": cells})
    return rows


def week_grid(*, window: CalendarWindow, columns: list[Column]) -> list[dict]:
    """The week view as one row per clinician (or room), one cell per day with that day's sessions."""
    rows = []
    for column in columns:
        by_day: dict[date, list] = defaultdict(list)
        for appointment in column.appointments:
            by_day[appointment.starts_at.astimezone(window.tz).date()].append(appointment)
        rows.append({"column": column, "cells": [{"day": d, "appointments": by_day.get(d, [])} for d in window.days]})
    return rows
