"""My sessions: upcoming and past in my own zone, cancel within policy, request a self-bookable session."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone

from backend.portal import selectors
from backend.portal.forms import CancelForm, RequestForm
from backend.web.access import page
from backend.web.forms import apply_errors
from core.errors import DomainError
from practice.roles import CLIENT
from scheduling.models import Mode
from scheduling.selectors import appointment_type_list, bookable_clinicians
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.booking import appointment_request
from scheduling.services.cancellation_policy import client_cancellation_outlook
from scheduling.services.slots import slots_for

PORTAL = {CLIENT}
REQUEST_DAYS = 14
TIMES_PER_DAY = 3  # a short list a phone can show: the first free times of each day
DAYS_SHOWN = 6


@page(roles=PORTAL)
def sessions(request):
    client = selectors.own_client(actor=request.membership)
    mine = selectors.my_sessions(actor=request.membership, client=client)
    return render(request, "portal/sessions.html", {"client": client, "zone": client.time_zone, "mine": mine})


@page(roles=PORTAL, object_page=True)
def cancel(request, pk: int):
    client = selectors.own_client(actor=request.membership)
    appointment = selectors.my_appointment(actor=request.membership, client=client, pk=pk)
    outlook = client_cancellation_outlook(appointment=appointment)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and outlook.allowed and form.is_valid():
        try:
            appointment = appointment_cancel(
                actor=request.membership, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except (DomainError, ValidationError) as exc:
            apply_errors(form, exc)
        else:
            late = appointment.status == "late_cancelled"
            messages.success(
                request, "Your session is cancelled (a late cancellation)." if late else "Your session is cancelled."
            )
            return redirect("portal_pages:sessions")
    context = {"appointment": appointment, "outlook": outlook, "form": form, "zone": client.time_zone}
    return render(request, "portal/cancel.html", context, status=200 if outlook.allowed else 409)


@page(roles=PORTAL)
def request_session(request):
    client = selectors.own_client(actor=request.membership)
    types = list(appointment_type_list(actor=request.membership).filter(allows_telehealth=True).order_by("name"))
    chosen = next((t for t in types if str(t.pk) == (request.POST or request.GET).get("type", "")), None)
    if chosen is None and len(types) == 1:
        chosen = types[0]
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and chosen is not None and form.is_valid():
        clinician_id, starts_at = form.cleaned_data["slot"]
        clinician = bookable_clinicians(actor=request.membership).filter(pk=clinician_id).first()
        if clinician is None:
            form.add_error("slot", "Choose one of the times shown.")
        else:
            try:
                appointment_request(
                    actor=request.membership,
                    clinician=clinician,
                    appointment_type=chosen,
                    starts_at=starts_at,
                    mode=Mode.TELEHEALTH,
                )
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Your request is sent. The practice will confirm it.")
                return redirect("portal_pages:sessions")
    slots = []
    if chosen is not None:
        clinicians = list(bookable_clinicians(actor=request.membership))
        names = {c.pk: c.display_name for c in clinicians}
        today = timezone.now().astimezone(ZoneInfo(client.time_zone)).date()
        found = slots_for(
            appointment_type=chosen,
            clinicians=clinicians,
            date_from=today,
            date_to=today + timedelta(days=REQUEST_DAYS),
            tz=ZoneInfo(client.time_zone),
            mode=Mode.TELEHEALTH,
        )
        slots = _spread(found, ZoneInfo(client.time_zone), names)
    context = {"types": types, "chosen": chosen, "slots": slots, "form": form, "zone": client.time_zone}
    return render(request, "portal/request.html", context)


def _spread(found: list[dict], tz: ZoneInfo, names: dict) -> list[dict]:
    """The first TIMES_PER_DAY free times of each of the first DAYS_SHOWN days that have any."""
    per_day: dict = {}
    for slot in found:
        day = slot["starts_at"].astimezone(tz).date()
        if day not in per_day and len(per_day) == DAYS_SHOWN:
            break
        times = per_day.setdefault(day, [])
        if len(times) < TIMES_PER_DAY:
            times.append(
                {
                    "value": f"{slot['clinician']}|{slot['starts_at'].isoformat()}",
                    "starts_at": slot["starts_at"],
                    "clinician": names.get(slot["clinician"], ""),
                }
            )
    return [slot for times in per_day.values() for slot in times]
