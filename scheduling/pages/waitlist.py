"""The waitlist: who waits for which clinician and type, the entries that suit a cancelled session's time
first, and offering that time (booked for the waiting client through appointment_book, the entry fulfilled).

Roles are the API's (scheduling.apis.waitlist.WaitlistViewSet): admins, the front desk and clinicians (their
own entries) read it; the front desk keeps it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from backend.web.access import page
from backend.web.forms import SERVICE_ERRORS, apply_errors
from core.errors import Conflict, DomainError
from scheduling import selectors
from scheduling.apis.waitlist import WaitlistViewSet
from scheduling.pages.forms import ScopedForm
from scheduling.pages.shared import conflict_in_words, viewer_zone
from scheduling.services.waitlist import waitlist_add, waitlist_offer, waitlist_remove

if TYPE_CHECKING:
    from practice.models import Client, Clinician
    from scheduling.models import AppointmentType

WAITLIST_READERS = frozenset(WaitlistViewSet.read_roles)
WAITLIST_WRITERS = frozenset(WaitlistViewSet.write_roles)
OPENINGS_SHOWN = 10  # the next cancelled times (all matched in one query)
WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


class WaitlistForm(ScopedForm):
    client: forms.ModelChoiceField[Client] = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)
    clinician: forms.ModelChoiceField[Clinician] = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Any clinician"
    )
    appointment_type: forms.ModelChoiceField[AppointmentType] = forms.ModelChoiceField(queryset=None, label="Type")
    preferred_weekdays = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS, coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Days (none: any)"
    )
    earliest_time = forms.TimeField(
        required=False, label="From", help_text="In the client's time zone.", widget=forms.TimeInput({"type": "time"})
    )
    latest_time = forms.TimeField(required=False, label="Until", widget=forms.TimeInput({"type": "time"}))
    note = forms.CharField(required=False, max_length=200, help_text="Scheduling only: nothing clinical.")


@page(roles=WAITLIST_READERS)
@require_http_methods(["GET", "POST"])
def waitlist(request):
    actor = request.membership
    tz = viewer_zone(request, request.GET.get("tz"))
    can_write = actor.has_role(*WAITLIST_WRITERS)
    form = None
    if can_write:
        form = WaitlistForm(
            request.POST if request.method == "POST" else None,
            initial={"client": request.GET.get("client")},
            actor=actor,
        )
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Only the front desk keeps the waitlist.")
        if form.is_valid():
            try:
                entry = waitlist_add(actor=actor, **form.cleaned_data)
            except SERVICE_ERRORS as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{entry.client} is on the waitlist.")
                return redirect("scheduling_pages:waitlist")
    waiting = selectors.waitlist_list(actor=actor).filter(fulfilled_at__isnull=True)
    openings = list(
        selectors.recent_openings(actor=actor)
        .select_related("clinician__membership__user", "appointment_type", "room")
        .order_by("starts_at", "pk")[:OPENINGS_SHOWN]
    )
    matched = selectors.waitlist_matches_many(entries=waiting, openings=openings)
    entries = list(waiting.select_related("clinician__membership__user").order_by("created_at", "pk"))
    chosen = form["client"].value() if form is not None else None
    context = {
        "matched": [(o, m) for o, m in matched if m],
        "entries": entries,
        "form": form,
        "chosen": form.fields["client"].queryset.filter(pk=chosen).first() if form is not None and chosen else None,
        "tz_name": str(tz),
        "can_write": can_write,
    }
    return render(request, "scheduling/waitlist.html", context, status=400 if form is not None and form.errors else 200)


def _entry(request, pk: int):
    return get_object_or_404(selectors.waitlist_list(actor=request.membership).filter(fulfilled_at__isnull=True), pk=pk)


@require_POST
@page(roles=WAITLIST_WRITERS)
def waitlist_remove_page(request, pk: int):
    entry = _entry(request, pk)
    waitlist_remove(actor=request.membership, entry=entry)
    messages.success(request, f"{entry.client} is off the waitlist.")
    return redirect("scheduling_pages:waitlist")


@require_POST
@page(roles=WAITLIST_WRITERS)
def waitlist_offer_page(request, pk: int):
    """Book the cancelled session's time (POST `opening`) for the entry's client."""
    actor = request.membership
    entry = _entry(request, pk)
    opening = selectors.recent_openings(actor=actor).filter(pk=_int(request.POST.get("opening"))).first()
    if opening is None:
        messages.error(request, "That time is no longer free: choose another.")
        return redirect("scheduling_pages:waitlist")
    try:
        appointment = waitlist_offer(actor=actor, entry=entry, opening=opening)
    except DomainError as exc:
        text = conflict_in_words(exc, viewer_zone(request)) if isinstance(exc, Conflict) else exc.message
        messages.error(request, text)
        return redirect("scheduling_pages:waitlist")
    messages.success(request, f"Booked for {entry.client}; they are off the waitlist.")
    return redirect("scheduling_pages:appointment", pk=appointment.pk)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
