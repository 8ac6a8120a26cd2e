"""Booking a session, finding a free time, and the type-ahead that finds the client."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS
from core.errors import DomainError
from practice.filters import ClientFilter
from practice.selectors import client_list
from scheduling import selectors
from scheduling.models import Mode
from scheduling.pages.forms import BookForm, SlotSearchForm
from scheduling.pages.shared import BOOKING_ROLES, show_service_error, viewer_zone
from scheduling.services.booking import appointment_book
from scheduling.services.slots import slots_for
from scheduling.timezones import local_instant

CLIENT_MATCHES = 10


def client_matches(actor, query: str):
    """The clients a search finds (the API's ?q= search on the caller's scope), at most CLIENT_MATCHES."""
    query = (query or "").strip()
    if len(query) < 2:
        return []
    found = ClientFilter({"q": query, "is_active": True}, queryset=client_list(actor=actor)).qs
    return list(found.order_by("last_name", "first_name", "pk")[:CLIENT_MATCHES])


@page(roles=BOOKING_ROLES)
def client_search(request):
    """The type-ahead's partial (htmx) and, without JavaScript, the same list on the booking page."""
    matches = client_matches(request.membership, request.GET.get("client_q", ""))
    return render(
        request,
        "scheduling/partials/client_matches.html",
        {"matches": matches, "query": request.GET.get("client_q", ""), "selected": None},
    )


@page(roles=BOOKING_ROLES)
@require_http_methods(["GET", "POST"])
def book(request):
    actor = request.membership
    tz = viewer_zone(request, request.GET.get("tz") or request.POST.get("tz"))
    if request.method == "POST":
        form = BookForm(request.POST, actor=actor)
    else:
        form = BookForm(initial=_initial(request), actor=actor)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        in_person = d["mode"] == Mode.IN_PERSON
        try:
            appointment = appointment_book(
                actor=actor,
                clinician=d["clinician"],
                clients=[d["client"]],
                appointment_type=d["appointment_type"],
                starts_at=local_instant(d["day"], d["start_time"], tz),
                mode=d["mode"],
                room=d.get("room") if in_person else None,
                video_link="" if in_person else (d.get("video_link") or ""),
                outside_availability=d.get("outside_availability", False),
            )
        except SERVICE_ERRORS as exc:
            show_service_error(form, exc, tz)
        else:
            messages.success(request, "Session booked.")
            return redirect("scheduling_pages:appointment", pk=appointment.pk)
    selected = _selected_client(form)
    query = request.GET.get("client_q", "")
    context = {
        "form": form,
        "tz_name": str(tz),
        "selected": selected,
        "query": query,
        "matches": client_matches(actor, query) if query else [],
    }
    return render(request, "scheduling/book.html", context, status=400 if form.errors else 200)


def _initial(request) -> dict:
    initial = {k: v for k, v in request.GET.items() if k in BookForm.base_fields}
    initial.setdefault("mode", Mode.IN_PERSON)
    return initial


def _selected_client(form):
    """The chosen client, shown by name beside the search (only one the caller may see)."""
    field = form["client"]
    value = field.value()
    if not value:
        return None
    try:
        return form.fields["client"].queryset.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


@page(roles=BOOKING_ROLES)
def slots(request):
    actor = request.membership
    today = timezone.now().astimezone(viewer_zone(request)).date()
    data = request.GET.copy() if "appointment_type" in request.GET else None
    form = SlotSearchForm(
        data,
        initial={"date_from": today, "date_to": today + timedelta(days=6), "tz": actor.practice.time_zone},
        actor=actor,
    )
    found, tz = [], viewer_zone(request, request.GET.get("tz"))
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        clinicians = selectors.bookable_clinicians(actor=actor).select_related("membership__user")
        if d.get("clinician"):
            clinicians = clinicians.filter(pk=d["clinician"].pk)
        by_id = {c.pk: c for c in clinicians}
        try:
            found = slots_for(
                appointment_type=d["appointment_type"],
                clinicians=list(by_id.values()),
                date_from=d["date_from"],
                date_to=d["date_to"],
                tz=tz,
                mode=d["mode"],
            )[:60]
        except DomainError as exc:
            show_service_error(form, exc, tz)
        for slot in found:
            slot["clinician_obj"] = by_id.get(slot["clinician"])
    context = {"form": form, "found": found, "tz_name": str(tz), "searched": form.is_bound and form.is_valid()}
    return render(request, "scheduling/slots.html", context)
