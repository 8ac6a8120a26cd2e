"""The relational timeline drawn (server-rendered SVG, numbers as tables), with the client's check-in beside the
note and the disagreements named. Psychotherapy notes never appear (the selector never reads them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render

from backend.web.access import page
from backend.web.errors import error_page
from core.lookups import id_or_none
from notes import measures, reads, selectors
from notes.pages import charts
from notes.pages.shared import CLINICAL, zone

BAD_BEFORE = "The link asks for the sessions before one that is not in this timeline (before: not a session id)."


def timeline_context(request, client, before: int | None) -> dict:
    tz = zone(request)
    timeline = reads.timeline_read(actor=request.membership, client=client, before=before)
    if timeline["window"]["earlier"] is not None:
        # The charts follow the sessions shown: scores before the first session belong to the first page.
        timeline = {**timeline, "measures_before_first_session": []}
    cutoff = timeline["alliance_cutoff"]
    alliance = charts.measure_points(timeline, measures.ALLIANCE, cutoff=cutoff)
    phq9 = charts.measure_points(timeline, measures.PHQ9)
    gad7 = charts.measure_points(timeline, measures.GAD7)
    for s in timeline["sessions"]:
        for r in s["ruptures"]:
            r["shown_outcome"] = charts.OUTCOME_WORDS[charts.display_outcome(r)]
        for f in s["follow_ups"]:
            f["shown_outcome"] = charts.OUTCOME_WORDS.get(f["outcome"], f["outcome"])
    return {
        "client": client,
        "timeline": timeline,
        "summary": timeline["summary"],
        "strip": charts.rupture_strip(timeline["sessions"], tz),
        "alliance": alliance,
        "alliance_chart": charts.line_chart(alliance, top=40, tz=tz, cutoff=cutoff),
        "phq9": phq9,
        "phq9_chart": charts.line_chart(phq9, top=27, tz=tz, bands=charts.PHQ9_BANDS),
        "gad7": gad7,
        "gad7_chart": charts.line_chart(gad7, top=21, tz=tz, bands=charts.GAD7_BANDS),
        "checkins": [s for s in timeline["sessions"] if s.get("checkin")],
        "window": timeline["window"],
        "first_shown": timeline["sessions"][0]["session_at"] if timeline["sessions"] else None,
        "last_shown": timeline["sessions"][-1]["session_at"] if timeline["sessions"] else None,
        "zone": request.membership.practice.time_zone,
    }


@page(roles=CLINICAL, object_page=True)
def timeline(request, pk: int):
    client = get_object_or_404(selectors.clinical_client_list(actor=request.membership), pk=pk)
    raw = request.GET.get("before", "")
    before = id_or_none(raw)
    if raw and before is None:
        return error_page(request, 400, message=BAD_BEFORE)
    try:
        context = timeline_context(request, client, before)
    except ValidationError:  # a `before` not in this timeline: 400, as the API answers
        return error_page(request, 400, message=BAD_BEFORE)
    return render(request, "notes/timeline.html", context)
