"""My day and my week, session prep (acknowledging a risk flag from there), caseload attention, the caseload and
one client's clinical page."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from backend.web.access import page
from core.errors import DomainError
from intake.selectors import response_list, risk_flag_list, score_series
from intake.services.risk_flags import risk_flag_acknowledge
from notes import reads, selectors, worklist
from notes.pages.shared import CLINICAL, day_bounds
from practice.audit import audit_read_many

DUE_DAYS = 60  # earlier sessions still needing a note are listed this far back
OPEN_RUPTURES_SHOWN = 20  # session prep's cards: the most recent open ruptures, all of them on demand


def _sessions(request, days: int, template: str, heading: str):
    start, end = day_bounds(request, days=days)
    rows = worklist.session_worklist(actor=request.membership, start=start, end=end)
    context = {
        "rows": rows,
        "heading": heading,
        "start": start,
        "end": end,
        "needs_note": sum(1 for r in rows if r["needs_note"]),
        "overdue": sum(1 for r in rows if r["overdue"]),
        "templates": selectors.note_template_list(actor=request.membership).filter(is_active=True),
        "zone": request.membership.practice.time_zone,
        "week": days == 7,
        "due": [
            r
            for r in worklist.session_worklist(
                actor=request.membership, start=start - timedelta(days=DUE_DAYS), end=start
            )
            if r["needs_note"]
        ],
        "due_days": DUE_DAYS,
    }
    return render(request, template, context)


@page(roles=CLINICAL, object_page=True)
def day(request):
    return _sessions(request, 1, "notes/sessions.html", "My day")


@page(roles=CLINICAL, object_page=True)
def week(request):
    return _sessions(request, 7, "notes/sessions.html", "My week")


def _client_or_404(request, pk):
    return get_object_or_404(selectors.clinical_client_list(actor=request.membership), pk=pk)


@page(roles=CLINICAL, object_page=True)
def prep(request, pk: int):
    client = _client_or_404(request, pk)
    limit = None if request.GET.get("open") == "all" else OPEN_RUPTURES_SHOWN
    prep, summary = reads.session_prep_page_read(actor=request.membership, client=client, open_limit=limit)
    return render(
        request,
        "notes/prep.html",
        {
            "client": client,
            "prep": prep,
            "summary": summary,
            "zone": request.membership.practice.time_zone,
            "back": request.path,
        },
    )


@require_POST
@page(roles=CLINICAL, object_page=True)
def risk_flag_ack(request, pk: int):
    flag = get_object_or_404(risk_flag_list(actor=request.membership), pk=pk)
    try:
        risk_flag_acknowledge(actor=request.membership, flag=flag, note=request.POST.get("note", ""))
        messages.success(request, "Risk flag acknowledged, with what you did.")
    except DomainError as exc:
        messages.error(request, f"Not acknowledged: {exc.message}")
    return redirect("notes_pages:prep", pk=flag.client_id)


@page(roles=CLINICAL, object_page=True)
def attention(request):
    rows = reads.caseload_attention_read(actor=request.membership)
    return render(request, "notes/attention.html", {"rows": rows, "zone": request.membership.practice.time_zone})


@page(roles=CLINICAL, object_page=True)
def clients(request):
    return render(request, "notes/clients.html", {"clients": worklist.caseload_clients(actor=request.membership)})


@page(roles=CLINICAL, object_page=True)
def client_detail(request, pk: int):
    """Intake responses and scores, measures over time, the care team's signed notes (read-only), the timeline.
    Psychotherapy notes are never here (they have their own page, the author's alone)."""
    actor = request.membership
    client = _client_or_404(request, pk)
    notes = list(selectors.progress_note_list(actor=actor).filter(client=client).order_by("-session_at", "-id"))
    reads.notes_listed(actor=actor, notes=notes)
    responses = list(
        response_list(actor=actor)
        .filter(client=client, submitted_at__isnull=False)
        .select_related("version__form")
        .order_by("-submitted_at")
    )
    scores = list(score_series(actor=actor, client_id=client.pk))
    audit_read_many(actor=actor, objects=scores)
    return render(
        request,
        "notes/client.html",
        {
            "client": client,
            "notes": notes,
            "responses": responses,
            "scores": scores,
            "zone": actor.practice.time_zone,
        },
    )
