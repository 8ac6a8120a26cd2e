"""An appointment's page: its facts, history and reminders, and every change the front desk makes to it:
reschedule, change of place, cancel (saying when it counts as late), the lifecycle, resending a reminder."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS
from core.errors import DomainError
from reminders.apis import OutboundMessageViewSet
from reminders.selectors import outbound_message_list
from reminders.services.frontdesk import outbound_message_resend
from scheduling import selectors
from scheduling.models import Mode, Status
from scheduling.pages.forms import CancelForm, PlaceForm, RescheduleForm
from scheduling.pages.shared import APPOINTMENT_READ_ROLES, SCHEDULE_WRITERS, show_service_error, viewer_zone
from scheduling.services import appointment_changes, appointment_rules, series_changes
from scheduling.timezones import local_instant

# The lifecycle buttons the page offers, in the order a day goes.
LIFECYCLE = [
    (Status.CONFIRMED, "Mark confirmed"),
    (Status.CHECKED_IN, "Check in"),
    (Status.COMPLETED, "Mark completed"),
    (Status.NO_SHOW, "Mark no-show"),
]
REMINDER_READERS = frozenset(OutboundMessageViewSet.read_roles)
REMINDER_RESENDERS = frozenset(OutboundMessageViewSet.write_roles)


def _appointment(request, pk: int):
    return get_object_or_404(selectors.appointment_list(actor=request.membership), pk=pk)


def _late_cancellation_note(appointment, now) -> str:
    """What the page says before a cancel: whether a cancellation by the client now counts as late."""
    hours = appointment.practice.cancellation_window_hours
    if not hours:
        return "This practice has no late-cancellation window."
    deadline = appointment.starts_at - timedelta(hours=hours)
    if now >= deadline:
        return (
            f"The session starts within the practice's {hours}-hour window: if the client cancels now it is "
            "recorded as a late cancellation. A cancellation by the practice is never late."
        )
    return (
        f"A cancellation by the client counts as late from {hours} hours before the start. "
        "A cancellation by the practice is never late."
    )


def _context(request, appointment, **forms) -> dict:
    actor = request.membership
    tz = viewer_zone(request, request.GET.get("tz"))
    local = appointment.starts_at.astimezone(tz)
    reminders = []
    if actor.has_role(*REMINDER_READERS):
        reminders = list(outbound_message_list(actor=actor).filter(appointment=appointment).order_by("due_at", "pk"))
    can_write = actor.has_role(*SCHEDULE_WRITERS)
    allowed = appointment_rules.TRANSITIONS.get(appointment.status, set())
    return {
        "appointment": appointment,
        "tz_name": str(tz),
        "history": list(selectors.appointment_change_list(appointment=appointment).select_related("changed_by__user")),
        "reminders": reminders,
        "can_resend": actor.has_role(*REMINDER_RESENDERS),
        "can_write": can_write,
        "lifecycle": [(s, label) for s, label in LIFECYCLE if s in allowed] if can_write else [],
        "cancellable": can_write and appointment.status in appointment_rules.CANCELLABLE,
        "late_note": _late_cancellation_note(appointment, timezone.now()),
        "reschedule_form": forms.get("reschedule")
        or RescheduleForm(actor=actor, prefix="move", initial={"day": local.date(), "start_time": local.time()}),
        "place_form": forms.get("place")
        or PlaceForm(
            actor=actor,
            prefix="place",
            initial={"mode": appointment.mode, "room": appointment.room_id, "video_link": appointment.video_link},
        ),
        "cancel_form": forms.get("cancel") or CancelForm(prefix="cancel"),
        "clients": list(appointment.clients.all()),
        "open_tab": forms.get("open"),
    }


@page(roles=APPOINTMENT_READ_ROLES)
def appointment(request, pk: int):
    found = _appointment(request, pk)
    return render(request, "scheduling/appointment.html", _context(request, found))


@page(roles=SCHEDULE_WRITERS)
@require_POST
def reschedule(request, pk: int):
    found = _appointment(request, pk)
    tz = viewer_zone(request, request.POST.get("tz"))
    form = RescheduleForm(request.POST, actor=request.membership, prefix="move")
    if form.is_valid():
        d = form.cleaned_data
        try:
            appointment_changes.appointment_reschedule(
                actor=request.membership,
                appointment=found,
                starts_at=local_instant(d["day"], d["start_time"], tz),
                room=appointment_rules.UNCHANGED,
                reason=d.get("reason", ""),
                outside_availability=d.get("outside_availability", False),
            )
        except SERVICE_ERRORS as exc:
            show_service_error(form, exc, tz)
        else:
            messages.success(request, "Session moved. The client is told by their usual channel.")
            return redirect("scheduling_pages:appointment", pk=found.pk)
    found = _appointment(request, pk)
    context = _context(request, found, reschedule=form, open="reschedule")
    return render(request, "scheduling/appointment.html", context, status=400)


@page(roles=SCHEDULE_WRITERS)
@require_POST
def change_place(request, pk: int):
    found = _appointment(request, pk)
    form = PlaceForm(request.POST, actor=request.membership, prefix="place")
    if form.is_valid():
        d = form.cleaned_data
        in_person = d["mode"] == Mode.IN_PERSON
        try:
            appointment_changes.appointment_change_place(
                actor=request.membership,
                appointment=found,
                mode=d["mode"],
                room=d.get("room") if in_person else None,
                video_link="" if in_person else (d.get("video_link") or ""),
            )
        except SERVICE_ERRORS as exc:
            show_service_error(form, exc, viewer_zone(request))
        else:
            messages.success(request, "Place changed. The client is told.")
            return redirect("scheduling_pages:appointment", pk=found.pk)
    found = _appointment(request, pk)
    return render(
        request, "scheduling/appointment.html", _context(request, found, place=form, open="place"), status=400
    )


@page(roles=SCHEDULE_WRITERS)
@require_POST
def cancel(request, pk: int):
    found = _appointment(request, pk)
    form = CancelForm(request.POST, prefix="cancel")
    if form.is_valid():
        d = form.cleaned_data
        try:
            done = appointment_changes.appointment_cancel(
                actor=request.membership, appointment=found, by=d["by"], reason=d["reason"]
            )
        except SERVICE_ERRORS as exc:
            show_service_error(form, exc, viewer_zone(request))
        else:
            late = " as a late cancellation" if done.status == Status.LATE_CANCELLED else ""
            messages.success(request, f"Session cancelled{late}.")
            return redirect("scheduling_pages:appointment", pk=found.pk)
    found = _appointment(request, pk)
    return render(
        request, "scheduling/appointment.html", _context(request, found, cancel=form, open="cancel"), status=400
    )


@page(roles=SCHEDULE_WRITERS)
@require_POST
def transition(request, pk: int):
    found = _appointment(request, pk)
    to_status = request.POST.get("to_status", "")
    try:
        done = appointment_changes.appointment_transition(
            actor=request.membership, appointment=found, to_status=to_status
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Session marked {done.get_status_display().lower()}.")
    return redirect("scheduling_pages:appointment", pk=found.pk)


@page(roles=REMINDER_RESENDERS)
@require_POST
def reminder_resend(request, pk: int):
    """Send an appointment's reminder or notice again; back to the appointment's page."""
    message = get_object_or_404(
        outbound_message_list(actor=request.membership).filter(appointment__isnull=False), pk=pk
    )
    found = _appointment(request, message.appointment_id or 0)  # never 0: the list above has an appointment
    try:
        outbound_message_resend(actor=request.membership, message=message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The message will be sent again.")
    return redirect("scheduling_pages:appointment", pk=found.pk)


@page(roles=SCHEDULE_WRITERS)
@require_http_methods(["POST"])
def series_cancel(request, pk: int):
    """Cancel from this occurrence: this one only, this and the following, or the whole series."""
    found = _appointment(request, pk)
    if found.series_id is None:
        messages.error(request, "This session is not part of a series.")
        return redirect("scheduling_pages:appointment", pk=found.pk)
    scope = request.POST.get("scope")
    reason = (request.POST.get("reason") or "").strip()[:300] or "Series cancelled"
    series = get_object_or_404(selectors.series_list(actor=request.membership), pk=found.series_id)
    try:
        if scope == "following":
            count = series_changes.series_cancel(
                actor=request.membership, series=series, reason=reason, now=found.starts_at - timedelta(seconds=1)
            )
        elif scope == "all":
            count = series_changes.series_cancel(actor=request.membership, series=series, reason=reason)
        else:
            messages.error(request, "Choose which sessions to cancel.")
            return redirect("scheduling_pages:appointment", pk=found.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{count} session{'s' if count != 1 else ''} of the series cancelled.")
    return redirect("scheduling_pages:appointment", pk=found.pk)
