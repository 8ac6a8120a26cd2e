"""The relational note: start from a session, edit with autosave (a stale or locked save is refused with a clear
message, as the API refuses it), sign, addenda, co-sign, and closing an open rupture with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_POST

from backend.web.access import page
from core.errors import Conflict, DomainError, NotAllowed
from core.lookups import id_or_none
from notes import reads, selectors, services
from notes.models import ProgressNote, RiskLevel
from notes.pages.shared import CLINICAL, FOLLOW_UP_OUTCOMES, parse_note_changes, zone
from practice.selectors import acting_clinician, client_list, supervisee_ids
from scheduling.selectors import appointment_list

AUTOSAVE_HEADER = "HTTP_X_AUTOSAVE"
STALE_MESSAGE = (
    "Not saved: this note changed in another window or tab since you opened it. "
    "Reload the page to see the latest version, then make your change again."
)
LOCKED_MESSAGE = "Not saved: this note is signed and can no longer change. Add an addendum instead."


def _note_or_404(request, pk):
    return get_object_or_404(selectors.progress_note_detail_queryset(actor=request.membership), pk=pk)


def _taxonomy(request):
    markers = list(selectors.rupture_marker_list(actor=request.membership).filter(is_active=True))
    strategies = list(selectors.repair_strategy_list(actor=request.membership).filter(is_active=True))
    return markers, strategies


def _saved_at(request, note) -> str:
    local = note.updated_at.astimezone(zone(request))
    return formats.time_format(local, "H:i:s") + f" ({request.membership.practice.time_zone})"


def _slot(rupture=None) -> dict:
    if rupture is None:
        return {"family": "", "markers": [], "strategies": [], "intensity": None, "outcome": "unresolved"}
    return {
        "family": rupture.family,
        "minute": rupture.minute,
        "markers": [m.code for m in rupture.markers.all()],
        "intensity": rupture.intensity,
        "contribution": rupture.therapist_contribution,
        "strategies": [s.code for s in rupture.strategies.all()],
        "response": rupture.client_response,
        "outcome": rupture.outcome,
    }


def _editor_context(request, note, *, errors=None, post=None) -> dict:
    actor = request.membership
    markers, strategies = _taxonomy(request)
    follow_ups = {f.rupture_id: f for f in note.follow_ups.all()}
    earlier = [r for r in selectors.open_ruptures(actor=actor, client=note.client) if r.note_id != note.pk]
    offered = []
    for rupture in earlier:
        f = follow_ups.get(rupture.pk)
        offered.append(
            {
                "rupture": rupture,
                "outcome": f.outcome if f else "",
                "strategies": [s.code for s in f.strategies.all()] if f else [],
                "response": f.client_response if f else "",
            }
        )
    slots = [_slot(r) for r in note.ruptures.all()] + [_slot()]
    sections = [{**s, "value": (note.content or {}).get(s["key"], "")} for s in note.template.sections]
    me = acting_clinician(actor)
    return {
        "note": note,
        "sections": sections,
        "slots": slots,
        "slot_count": len(slots),
        "withdrawal_markers": [m for m in markers if m.family == "withdrawal"],
        "confrontation_markers": [m for m in markers if m.family == "confrontation"],
        "immediate_strategies": [s for s in strategies if s.approach == "immediate"],
        "expressive_strategies": [s for s in strategies if s.approach == "expressive"],
        "offered": offered,
        "follow_up_outcomes": FOLLOW_UP_OUTCOMES,
        "risk_levels": RiskLevel.choices,
        "outcomes": [("unresolved", "Unresolved"), ("partial", "Partially repaired"), ("repaired", "Repaired")],
        "intensities": [1, 2, 3, 4, 5],
        "is_author": me is not None and note.author_id == me.pk,
        "can_cosign": note.status == ProgressNote.Status.AWAITING_COSIGN and note.author_id in supervisee_ids(actor),
        "integrity_ok": selectors.note_integrity_ok(note=note) if note.is_locked else None,
        "saved_at": _saved_at(request, note),
        "errors": errors,
        "zone": actor.practice.time_zone,
    }


@page(roles=CLINICAL, object_page=True)
def note_detail(request, pk: int):
    note = _note_or_404(request, pk)
    reads.note_read(actor=request.membership, note=note)
    return render(request, "notes/note.html", _editor_context(request, note))


def _status(exc: DomainError) -> int:
    return 409 if isinstance(exc, Conflict) else 403 if isinstance(exc, NotAllowed) else 400


def _error_payload(exc: DomainError) -> dict:
    if isinstance(exc, Conflict) and getattr(exc, "code", "") == "stale_version":
        message = STALE_MESSAGE
    elif isinstance(exc, Conflict) and getattr(exc, "code", "") == "note_locked":
        message = LOCKED_MESSAGE
    else:
        detail = "; ".join(f"{reason}" for reasons in (exc.fields or {}).values() for reason in reasons)
        message = f"Not saved: {exc.message}" + (f" ({detail})" if detail else "")
    return {"error": message, "code": getattr(exc, "code", "invalid"), "fields": exc.fields or {}}


def _save(request, note):
    markers, _ = _taxonomy(request)
    version, changes = parse_note_changes(request.POST, note=note, marker_families={m.code: m.family for m in markers})
    return services.progress_note_update(actor=request.membership, note=note, version=version, **changes)


@require_POST
@page(roles=CLINICAL, object_page=True)
def note_save(request, pk: int):
    """Autosave (X-Autosave: JSON answer) or the form's Save button (redirect back)."""
    note = _note_or_404(request, pk)
    autosave = request.META.get(AUTOSAVE_HEADER) == "1"
    try:
        note = _save(request, note)
    except DomainError as exc:
        payload = _error_payload(exc)
        status = _status(exc)
        if autosave:
            return JsonResponse(payload, status=status)
        note = _note_or_404(request, pk)
        return render(request, "notes/note.html", _editor_context(request, note, errors=payload), status=status)
    if autosave:
        return JsonResponse({"version": note.version, "saved_at": _saved_at(request, note)})
    messages.success(request, "Saved.")
    return redirect(
        reverse("notes_pages:note", args=[note.pk]) + ("#ruptures" if "add_rupture" in request.POST else "")
    )


@require_POST
@page(roles=CLINICAL, object_page=True)
def note_sign(request, pk: int):
    note = _note_or_404(request, pk)
    try:
        if "version" in request.POST:
            note = _save(request, note)
        note = services.progress_note_sign(actor=request.membership, note=note)
    except DomainError as exc:
        note = _note_or_404(request, pk)
        status = _status(exc)
        return render(
            request, "notes/note.html", _editor_context(request, note, errors=_error_payload(exc)), status=status
        )
    if note.status == ProgressNote.Status.AWAITING_COSIGN:
        messages.success(request, "Signed and locked. It now awaits your supervisor's co-signature.")
    else:
        messages.success(request, "Signed and locked. Corrections from now on are addenda.")
    return redirect("notes_pages:note", pk=note.pk)


@require_POST
@page(roles=CLINICAL, object_page=True)
def note_addendum(request, pk: int):
    note = _note_or_404(request, pk)
    try:
        services.addendum_create(actor=request.membership, note=note, body=request.POST.get("body", ""))
    except DomainError as exc:
        status = _status(exc)
        return render(
            request, "notes/note.html", _editor_context(request, note, errors=_error_payload(exc)), status=status
        )
    messages.success(request, "Addendum signed and added.")
    return redirect("notes_pages:note", pk=note.pk)


@require_POST
@page(roles=CLINICAL, object_page=True)
def note_cosign(request, pk: int):
    note = _note_or_404(request, pk)
    try:
        services.progress_note_cosign(actor=request.membership, note=note, comment=request.POST.get("comment", ""))
    except DomainError as exc:
        status = _status(exc)
        return render(
            request, "notes/note.html", _editor_context(request, note, errors=_error_payload(exc)), status=status
        )
    messages.success(request, "Co-signed.")
    return redirect("notes_pages:cosign-queue")


@require_POST
@page(roles=CLINICAL, object_page=True)
def note_start(request, pk: int):
    """A draft for a session of the actor's (or the existing one): appointment `pk`, client and template chosen."""

    actor = request.membership
    appointment = get_object_or_404(appointment_list(actor=actor), pk=pk)
    client_id = request.POST.get("client", "")
    clients = client_list(actor=actor).filter(appointments=appointment, pk=id_or_none(client_id) or 0)
    client = clients.first()
    if client is None:
        raise Http404
    existing = selectors.progress_note_list(actor=actor).filter(appointment=appointment, client=client).first()
    if existing is not None:
        return redirect("notes_pages:note", pk=existing.pk)
    try:
        note = services.progress_note_create(
            actor=actor, client=client, appointment=appointment, template_code=request.POST.get("template") or None
        )
    except DomainError as exc:
        messages.error(request, _error_payload(exc)["error"].replace("Not saved: ", "The note was not started: "))
        return redirect("notes_pages:day")
    return redirect("notes_pages:note", pk=note.pk)


@require_POST
@page(roles=CLINICAL, object_page=True)
def rupture_close(request, pk: int):
    rupture = get_object_or_404(selectors.rupture_list(actor=request.membership), pk=pk)
    back = request.POST.get("back", "")
    try:
        services.rupture_close(actor=request.membership, rupture=rupture, reason=request.POST.get("reason", ""))
        messages.success(request, "Rupture closed, with your reason.")
    except DomainError as exc:
        messages.error(request, _error_payload(exc)["error"].replace("Not saved: ", "Not closed: "))
    if back.startswith("/clinical/") and "//" not in back:
        return redirect(back)
    return redirect("notes_pages:prep", pk=rupture.client_id)


def now_local(request):
    return timezone.now().astimezone(zone(request))
