"""The confirm and cancel links in reminders, as pages: the page says what will happen and asks for a button press
(a POST with CSRF, so a mail scanner that opens the link changes nothing), then shows the result. The signed
token is the authority (scheduling/services/links.py), as for the JSON API at /api/v1/reminders/links/."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from backend.portal.forms import TokenForm
from backend.web.throttle import throttle_anon_auth
from core.errors import DomainError
from scheduling.messages import appointment_place, local_when
from scheduling.services.cancellation_policy import client_cancellation_outlook
from scheduling.services.links import link_apply, link_resolve


def _private(response):
    response["Referrer-Policy"] = "same-origin"  # the URL is a credential: never sent to other sites
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def appointment_link(request):
    throttle_anon_auth(request)
    source = request.POST if request.method == "POST" else request.GET
    form = TokenForm(source)
    token = source.get("token", "")
    try:
        if not form.is_valid():
            raise DomainError("This link is not valid.", code="link_invalid")
        if request.method == "POST":
            appointment, client, action = link_apply(token=token)
            done = True
        else:
            appointment, client, action = link_resolve(token=token)
            done = False
    except DomainError as exc:
        return _private(render(request, "portal/link_problem.html", {"message": exc.message}, status=400))
    context = {
        "action": action,
        "done": done,
        "practice": appointment.practice,
        "appointment": appointment,
        "when": local_when(appointment, client),
        "where": appointment_place(appointment),
        "form": TokenForm(initial={"token": token}),
        "outlook": client_cancellation_outlook(appointment=appointment) if action == "cancel" and not done else None,
    }
    return _private(render(request, "portal/link.html", context))
