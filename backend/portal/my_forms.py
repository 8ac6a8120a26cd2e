"""My forms: packets to complete and check-ins waiting (the existing form page opens them), and my submitted
answers, read-only, with no score, band or interpretation (ACCESS.md)."""

from __future__ import annotations

from django.shortcuts import render

from backend.portal import selectors
from backend.web.access import page
from intake import definitions
from intake.invitations import packet_link_path
from practice.roles import CLIENT

PORTAL = {CLIENT}


@page(roles=PORTAL)
def forms(request):
    client = selectors.own_client(actor=request.membership)
    mine = selectors.my_forms(actor=request.membership, client=client)
    context = {
        "zone": client.time_zone,
        "to_complete": [{"packet": p, "url": packet_link_path(p)} for p in mine.to_complete],
        "checkins": [{"checkin": c, "url": packet_link_path(c.packet)} for c in mine.checkins_waiting],
        "submitted": mine.submitted,
    }
    return render(request, "portal/forms.html", context)


def _answer_text(question: dict, answer) -> str:
    if answer is None or answer == "" or answer == []:
        return "No answer"
    kind = question["type"]
    if kind in ("single_choice", "multiple_choice"):
        labels = {repr(c["value"]): c["label"] for c in question.get("choices", [])}
        values = answer if isinstance(answer, list) else [answer]
        return ", ".join(labels.get(repr(v), str(v)) for v in values)
    if kind == "yes_no":
        return "Yes" if answer is True else "No" if answer is False else str(answer)
    if kind == "scale":
        anchor = (question.get("anchors") or {}).get(str(answer))
        return f"{answer} ({anchor})" if anchor else str(answer)
    if isinstance(answer, dict):  # a signature: the name typed, not the image
        return answer.get("name") or "Signed"
    return str(answer)


@page(roles=PORTAL, object_page=True)
def answers(request, pk: int):
    client = selectors.own_client(actor=request.membership)
    response = selectors.my_submitted_response_read(actor=request.membership, client=client, pk=pk)
    content = response.version.content
    given = response.answers or {}
    sections = []
    for section in content["sections"]:
        rows = [
            {"label": q.get("label") or q.get("text") or q["id"], "answer": _answer_text(q, given.get(q["id"]))}
            for q in section["questions"]
            if q.get("type") != "text_block" and definitions.is_shown(q, given)
        ]
        sections.append({"title": section.get("title", ""), "rows": rows})
    context = {
        "response": response,
        "title": content.get("title") or response.version.form.name,
        "sections": sections,
        "zone": client.time_zone,
    }
    return render(request, "portal/answers.html", context)
