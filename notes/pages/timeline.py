"""The relational timeline drawn (server-rendered SVG, numbers as tables), with the client's check-in beside the
note and the disagreements named. Psychotherapy notes never appear (the selector never reads them)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from backend.web.access import page
from notes import measures, reads, selectors
from notes.pages import charts
from notes.pages.shared import CLINICAL, zone


def timeline_context(request, client) -> dict:
    tz = zone(request)
    timeline = reads.timeline_read(actor=request.membership, client=client)
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
        "zone": request.membership.practice.time_zone,
    }


@page(roles=CLINICAL, object_page=True)
def timeline(request, pk: int):
    client = get_object_or_404(selectors.clinical_client_list(actor=request.membership), pk=pk)
    return render(request, "notes/timeline.html", timeline_context(request, client))
