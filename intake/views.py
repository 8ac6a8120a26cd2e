"""The client's page: a server-rendered form for a signed link (Django templates and a little vanilla JS).

It renders any definition. Saving and submitting go through the link API (intake/apis/links.py,
`/api/v1/intake/link/<token>/...`), so the page and the API obey the same rules.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from intake import definitions, invitations
from intake.models import Packet, SessionCheckIn
from intake.safety import safety_notice
from intake.services.links import packet_link_read_audit


def _question_view(q: dict, answer, response_id: int) -> dict:
    kind = q["type"]
    view = {
        **q,
        "answer": answer,
        "show_if_json": json.dumps(q["show_if"]) if q.get("show_if") else "",
        "input_id": f"r{response_id}-{q['id']}",
    }
    if kind in ("single_choice", "multiple_choice"):
        chosen = answer if isinstance(answer, list) else [answer]
        view["options"] = [
            {
                "label": c["label"],
                "json": json.dumps(c["value"]),
                "checked": any(c["value"] == a and type(c["value"]) is type(a) for a in chosen),
            }
            for c in q["choices"]
        ]
    elif kind == "scale":
        anchors = q.get("anchors") or {}
        view["options"] = [
            {
                "label": str(n),
                "json": json.dumps(n),
                "anchor": anchors.get(str(n), ""),
                "checked": answer == n and not isinstance(answer, bool),
            }
            for n in range(int(q["min"]), int(q["max"]) + 1)
        ]
    elif kind == "yes_no":
        view["options"] = [
            {"label": "Yes", "json": "true", "checked": answer is True},
            {"label": "No", "json": "false", "checked": answer is False},
        ]
    return view


def _form_view(response) -> dict:
    content = response.version.content
    answers = response.answers or {}
    sections = []
    for section in content["sections"]:
        qs = []
        for q in section["questions"]:
            view = _question_view(q, answers.get(q["id"]), response.pk)
            view["hidden"] = not definitions.is_shown(q, answers)
            qs.append(view)
        sections.append({"id": section["id"], "title": section.get("title", ""), "questions": qs})
    return {
        "id": response.pk,
        "title": content.get("title") or response.version.form.name,
        "instructions": content.get("instructions", ""),
        "sections": sections,
        "submitted": response.is_submitted,
        "submitted_at": response.submitted_at,
        # Shown again when the client comes back: where to get help now stays on the page (intake/safety.py).
        "safety": safety_notice(response),
    }


@never_cache
@require_GET
def packet_page(request: HttpRequest, token: str) -> HttpResponse:
    packet = invitations.packet_from_token(token)
    if packet is None:
        response = render(request, "intake/link_invalid.html", status=404)
        # The form's own page, not the API's JSON body (backend/api/middleware.py reads the mark).
        response.is_page = True  # type: ignore[attr-defined]
        return response
    packet = Packet.objects.select_related("practice", "client__portal_membership__user").get(pk=packet.pk)
    packet_link_read_audit(packet=packet)
    responses = packet.responses.filter(amends__isnull=True).select_related("version__form").order_by("position", "id")
    forms = [_form_view(r) for r in responses]
    context = {
        "practice": packet.practice,
        "packet": packet,
        "forms": forms,
        "token": token,
        "api_base": request.path.replace("/intake/p/", "/intake/link/", 1),
        "all_done": all(f["submitted"] for f in forms),
        "is_checkin": SessionCheckIn.objects.filter(packet_id=packet.pk).exists(),
    }
    response = render(request, "intake/packet_page.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the URL is a credential: never leak it to other sites
    response["X-Robots-Tag"] = "noindex"
    return response
