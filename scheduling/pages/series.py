"""Booking a series: weekly or every other week, until a date or for a count; a preview of every occurrence
with its conflicts first, then all-or-nothing or book the rest."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS
from core.errors import Conflict
from scheduling.models import Mode
from scheduling.pages.booking import client_matches
from scheduling.pages.forms import SeriesForm
from scheduling.pages.shared import SERIES_ROLES, show_service_error, viewer_zone
from scheduling.services.series import ALL_OR_NOTHING, BOOK_AVAILABLE, series_create
from scheduling.services.series_preview import series_preview

ACTIONS = {"preview", ALL_OR_NOTHING, BOOK_AVAILABLE}


@page(roles=SERIES_ROLES)
@require_http_methods(["GET", "POST"])
def series_new(request):
    actor = request.membership
    tz = viewer_zone(request, request.POST.get("tz") or request.GET.get("tz"))
    if request.method == "POST":
        form = SeriesForm(request.POST, actor=actor)
    else:
        initial = {k: v for k, v in request.GET.items() if k in SeriesForm.base_fields}
        initial.setdefault("mode", Mode.IN_PERSON)
        form = SeriesForm(initial=initial, actor=actor)
    action = request.POST.get("action", "preview")
    report, status = None, 200
    if request.method == "POST" and action in ACTIONS and form.is_valid():
        fields = form.service_kwargs(str(tz))
        try:
            if action == "preview":
                report = series_preview(actor=actor, **fields)
            else:
                _series, report = series_create(actor=actor, on_conflict=action, **fields)
        except Conflict as exc:
            report = (exc.extra or {}).get("occurrences")
            if report is None:
                show_service_error(form, exc, tz)
            else:
                form.add_error(None, f"{exc.message} Book the rest, or change the time.")
            status = 409
        except SERVICE_ERRORS as exc:
            show_service_error(form, exc, tz)
            status = 400
        else:
            if action != "preview":
                booked = sum(1 for o in report if o["status"] == "booked")
                skipped = len(report) - booked
                messages.success(
                    request,
                    f"Series booked: {booked} session{'s' if booked != 1 else ''}"
                    + (f", {skipped} skipped for conflicts (listed for the front desk to rebook)." if skipped else "."),
                )
                return redirect("scheduling_pages:calendar")
    elif request.method == "POST" and form.errors:
        status = 400
    conflicts = sum(1 for o in report or [] if o["status"] == "conflict")
    query = request.GET.get("client_q", "")
    context = {
        "form": form,
        "tz_name": str(tz),
        "report": report,
        "conflicts": conflicts,
        "selected": _selected(form),
        "query": query,
        "matches": client_matches(actor, query) if query else [],
    }
    return render(request, "scheduling/series_new.html", context, status=status)


def _selected(form):
    value = form["client"].value()
    try:
        return form.fields["client"].queryset.filter(pk=int(value)).first() if value else None
    except (TypeError, ValueError):
        return None
