"""A client's intake packets, from the client's page: the section that lists them (a panel of that page,
backend/web/panels.py, registered in intake/nav.py), assign, resend the invitation, revoke the link.

The services and role sets are the API's (intake.apis.packets.PacketViewSet): the front desk, or a clinician for their
caseload. Each action answers by a redirect to the client's page with the service's answer as a message; the
page shows a packet's status only, never its answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms as django_forms
from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from backend.web.access import page
from core.errors import DomainError
from intake import selectors
from intake.apis.packets import PacketViewSet
from intake.services import links, packets
from practice.models import Client, Membership
from practice.selectors import client_list

if TYPE_CHECKING:
    from intake.models import FormDefinition

PACKET_WRITERS = frozenset(PacketViewSet.write_roles)


class PacketAssignForm(django_forms.Form):
    forms: django_forms.ModelMultipleChoiceField[FormDefinition] = django_forms.ModelMultipleChoiceField(
        queryset=None,
        widget=django_forms.CheckboxSelectMultiple,
        label="Forms to send",
        help_text="Published forms only.",
    )
    due_on = django_forms.DateField(
        required=False, label="Due on", widget=django_forms.DateInput(attrs={"type": "date"})
    )
    send_invitation = django_forms.BooleanField(required=False, initial=True, label="Email the client the link now")

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forms"].queryset = (
            selectors.form_list(actor=actor).filter(versions__published_at__isnull=False).distinct().order_by("name")
        )


def client_packets_panel(actor: Membership, client: Client) -> dict[str, Any]:
    """The client page's packets section: every packet of the client the actor may see, newest first, and the
    assign form for those who may assign (intake/templates/intake/client_packets.html)."""
    can_assign = actor.has_role(*packets.ASSIGNERS)
    rows = list(
        selectors.packet_list(actor=actor)
        .filter(client=client)
        .annotate(form_count=Count("responses"))
        .order_by("-created_at", "-pk")
    )
    return {
        "packets": rows,
        "can_assign": can_assign,
        "packet_form": PacketAssignForm(actor=actor) if can_assign else None,
    }


def _back(client_id: int):
    return redirect("practice_pages:client", pk=client_id)


@require_POST
@page(roles=PACKET_WRITERS)
def packet_assign(request, pk: int):
    actor = request.membership
    client = get_object_or_404(client_list(actor=actor), pk=pk)
    form = PacketAssignForm(request.POST, actor=actor)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))  # an ErrorList yields its messages as text already
        return _back(client.pk)
    try:
        packets.packet_assign(actor=actor, client=client, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        sent = " and the link emailed" if form.cleaned_data["send_invitation"] else ""
        messages.success(request, f"Packet assigned{sent}.")
    return _back(client.pk)


def _packet(request, pk: int):
    return get_object_or_404(selectors.packet_list(actor=request.membership), pk=pk)


@require_POST
@page(roles=PACKET_WRITERS)
def packet_resend(request, pk: int):
    packet = _packet(request, pk)
    try:
        links.packet_invitation_resend(actor=request.membership, packet=packet)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Invitation sent again with a new link; the links sent before no longer work.")
    return _back(packet.client_id)


@require_POST
@page(roles=PACKET_WRITERS)
def packet_revoke(request, pk: int):
    packet = _packet(request, pk)
    try:
        links.packet_link_revoke(actor=request.membership, packet=packet)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Links already sent no longer work. The packet stays assigned.")
    return _back(packet.client_id)
