"""The supervisor's pages: the co-sign queue (oldest first) and the supervision view per current supervisee."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from backend.web.access import page
from notes import reads, worklist
from notes.pages.shared import SUPERVISORS


@page(roles=SUPERVISORS, object_page=True)
def cosign_queue(request):
    notes = list(worklist.cosign_queue(actor=request.membership))
    reads.notes_listed(actor=request.membership, notes=notes)
    return render(request, "notes/cosign_queue.html", {"notes": notes, "zone": request.membership.practice.time_zone})


@page(roles=SUPERVISORS, object_page=True)
def supervision(request):
    return render(
        request, "notes/supervision.html", {"supervisees": worklist.supervisee_list(actor=request.membership)}
    )


@page(roles=SUPERVISORS, object_page=True)
def supervisee(request, pk: int):
    """One current supervisee's caseload side by side: open ruptures, repair rate, alliance latest and trend."""
    person = get_object_or_404(worklist.supervisee_list(actor=request.membership), pk=pk)
    rows = worklist.supervision_overview(actor=request.membership, supervisee=person)
    return render(request, "notes/supervisee.html", {"supervisee": person, "rows": rows})
