"""The calendar: a day (a column per clinician or room, half-hour rows) or a week (a row per clinician or
room, a column per day), in the practice's zone or another; free times of a type shown as booking links."""

from __future__ import annotations

from datetime import date, timedelta

from django.shortcuts import render
from django.utils import timezone

from backend.web.access import page
from core.errors import DomainError
from scheduling import calendar as cal
from scheduling import selectors
from scheduling.calendar import STATUS_TONE
from scheduling.models import Mode
from scheduling.pages.forms import CalendarFilterForm
from scheduling.pages.shared import CALENDAR_ROLES, viewer_zone
from scheduling.services.slots import slots_for


@page(roles=CALENDAR_ROLES)
def calendar(request):
    form = CalendarFilterForm(request.GET or None, actor=request.membership)
    filters = form.cleaned_data if form.is_valid() else {}
    tz = viewer_zone(request, filters.get("tz"))
    anchor = filters.get("date") or timezone.now().astimezone(tz).date()
    view = filters.get("view") or cal.DAY
    by = filters.get("by") or cal.BY_CLINICIAN
    window = cal.calendar_window(view=view, anchor=anchor, tz=tz)
    clinician = filters.get("clinician")
    location = filters.get("location")
    room = filters.get("room")
    appointments = cal.calendar_appointments(
        actor=request.membership,
        window=window,
        clinician_id=clinician.pk if clinician else None,
        location_id=location.pk if location else None,
        room_id=room.pk if room else None,
    )
    rooms = []
    if by == cal.BY_ROOM:
        rooms = list(selectors.room_list(actor=request.membership).filter(is_active=True).select_related("location"))
        if room:
            rooms = [r for r in rooms if r.pk == room.pk]
        elif location:
            rooms = [r for r in rooms if r.location_id == location.pk]
    columns = cal.calendar_columns(
        actor=request.membership,
        appointments=appointments,
        by=by,
        rooms=rooms,
        clinician_id=clinician.pk if clinician else None,
    )
    free, free_error = [], ""
    free_for = filters.get("free_for")
    if free_for is not None and view == cal.DAY and by == cal.BY_CLINICIAN:
        try:
            free = slots_for(
                appointment_type=free_for,
                clinicians=[
                    c
                    for c in selectors.bookable_clinicians(actor=request.membership)
                    if c.pk in {col.key for col in columns}
                ],
                date_from=anchor,
                date_to=anchor,
                tz=tz,
                mode=Mode.IN_PERSON if free_for.allows_in_person else Mode.TELEHEALTH,
            )
        except DomainError as exc:
            free_error = exc.message
    context = {
        "form": form,
        "window": window,
        "view": view,
        "by": by,
        "tz_name": str(tz),
        "columns": columns,
        "status_tone": STATUS_TONE,
        "count": len(appointments),
        "free_for": free_for,
        "free_error": free_error,
        "today": timezone.now().astimezone(tz).date(),
        "nav": _nav_links(request, window),
    }
    if view == cal.WEEK:
        context["rows"] = cal.week_grid(window=window, columns=columns)
    else:
        context["rows"] = cal.day_grid(window=window, columns=columns, free=free)
    return render(request, "scheduling/calendar.html", context)


def _nav_links(request, window) -> dict[str, str]:
    def with_date(value: date, **extra) -> str:
        query = request.GET.copy()
        query["date"] = value.isoformat()
        for key, val in extra.items():
            query[key] = val
        return "?" + query.urlencode()

    step = timedelta(days=1 if window.view == cal.DAY else 7)
    return {
        "previous": with_date(window.anchor - step),
        "next": with_date(window.anchor + step),
        "today": with_date(timezone.now().astimezone(window.tz).date()),
        "day": with_date(window.anchor, view=cal.DAY),
        "week": with_date(window.anchor, view=cal.WEEK),
    }
