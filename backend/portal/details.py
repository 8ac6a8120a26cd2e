"""My details: contact details, preferred name and pronouns, communication preferences, email/SMS consents (each
change stamped with when and how by `client_update`), and session check-ins on or off."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from backend.portal import selectors
from backend.portal.forms import DetailsForm
from backend.web.access import page
from backend.web.forms import apply_errors
from core.errors import DomainError
from practice.roles import CLIENT
from practice.services.clients import client_update


@page(roles={CLIENT})
def details(request):
    client = selectors.own_client(actor=request.membership)
    initial = {f: getattr(client, f) for f in DetailsForm.FIELDS}
    form = DetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = form.changes(client)
        if not changes:
            messages.info(request, "Nothing changed.")
            return redirect("portal_pages:details")
        try:
            client_update(actor=request.membership, client=client, **changes)
        except (DomainError, ValidationError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Your details are saved.")
            return redirect("portal_pages:details")
    return render(request, "portal/details.html", {"form": form, "client": client, "zone": client.time_zone})
