"""Psychotherapy (process) notes, 45 CFR 164.501: their own list and page, visibly apart from the record, the
author's alone (the selector returns nobody else's: another clinician, a supervisor, anyone gets the 404)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backend.web.access import page
from core.errors import DomainError
from core.lookups import id_or_none
from notes import reads, selectors, services
from notes.pages.shared import CLINICAL
from notes.worklist import caseload_clients
from practice.selectors import client_list


@require_http_methods(["GET", "POST"])
@page(roles=CLINICAL, object_page=True)
def process_notes(request):
    actor = request.membership
    error = None
    if request.method == "POST":
        client_id = request.POST.get("client", "")
        client = client_list(actor=actor).filter(pk=id_or_none(client_id) or 0).first()
        try:
            if client is None:
                raise DomainError("Choose a client of yours.", fields={"client": ["Required."]})
            note = services.psychotherapy_note_create(actor=actor, client=client, body=request.POST.get("body", ""))
            messages.success(request, "Process note kept, apart from the record.")
            return redirect("notes_pages:process-note", pk=note.pk)
        except DomainError as exc:
            error = exc.message
    notes = list(selectors.psychotherapy_note_list(actor=actor).order_by("-created_at", "-id"))
    reads.notes_listed(actor=actor, notes=notes)
    return render(
        request,
        "notes/process_notes.html",
        {"notes": notes, "clients": caseload_clients(actor=actor), "error": error, "zone": actor.practice.time_zone},
        status=400 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@page(roles=CLINICAL, object_page=True)
def process_note(request, pk: int):
    note = get_object_or_404(selectors.psychotherapy_note_list(actor=request.membership), pk=pk)
    error = None
    if request.method == "POST":
        try:
            note = services.psychotherapy_note_update(
                actor=request.membership, note=note, body=request.POST.get("body", "")
            )
            messages.success(request, "Saved.")
            return redirect("notes_pages:process-note", pk=note.pk)
        except DomainError as exc:
            error = exc.message
    else:
        reads.note_read(actor=request.membership, note=note)
    return render(
        request,
        "notes/process_note.html",
        {"note": note, "error": error, "zone": request.membership.practice.time_zone},
        status=400 if error else 200,
    )
