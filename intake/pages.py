"""A client's intake packets, from the client's page: assign, resend the invitation, revoke the link.

The services and role sets are the API's (intake.apis.packets.PacketViewSet): the front desk, or a clinician for their
caseload. Each action answers by a redirect to the client's page with the service's answer as a message; the
page shows a packet's status only, never its answers.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from backend.api.exceptions import DomainError
from backend.web.access import page
from intake import selectors
from intake.apis.packets import PacketViewSet
from intake.services import links, packets
from practice.pages.clients import PacketAssignForm
from practice.selectors import client_list

PACKET_WRITERS = frozenset(PacketViewSet.write_roles)


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
                messages.error(request, error)
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
