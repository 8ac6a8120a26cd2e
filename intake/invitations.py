"""Signed, expiring links to a packet, and the invitation email that carries one.

The link is the only credential a client needs: it names one packet and the packet's
`link_nonce` (changing the nonce revokes every link already sent). It expires after
settings.INTAKE_LINK_MAX_AGE seconds (default 14 days).

The email carries the minimum (ACCESS.md): the practice's name, the due date and the link.
No form names, no answers. It travels on the reminders outbox (kind `intake_invitation`): queued in
the packet assignment's transaction, sent by the dispatcher and the send task, once. The front desk
may send it again (`services.links.packet_invitation_resend`, kind `intake_invitation_resend`, at most once
per settings.INTAKE_RESEND_MIN_INTERVAL seconds per packet, default 10 minutes) and revoke the links
already sent (`services.links.packet_link_revoke`, a new nonce).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.urls import reverse

from intake.models import Packet
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_client_message_queue

PACKET = "intake.packet"  # the outbox subject type of an invitation and a nudge (intake/messages.py sends them)
INVITATION_KINDS = (OutboundMessage.Kind.INTAKE_INVITATION, OutboundMessage.Kind.INTAKE_INVITATION_RESEND)
LINK_SALT = "attune.intake.packet-link"
DEFAULT_MAX_AGE = 14 * 24 * 60 * 60
DEFAULT_RESEND_MIN_INTERVAL = 10 * 60


def link_max_age() -> int:
    return int(getattr(settings, "INTAKE_LINK_MAX_AGE", DEFAULT_MAX_AGE))


def resend_min_interval() -> int:
    return int(getattr(settings, "INTAKE_RESEND_MIN_INTERVAL", DEFAULT_RESEND_MIN_INTERVAL))


def link_nonce_new() -> str:
    """A fresh nonce (96 random bits): every token signed with the previous one stops opening the packet."""
    return secrets.token_urlsafe(12)


def packet_link_token(packet: Packet) -> str:
    return signing.dumps({"p": packet.pk, "n": packet.link_nonce}, salt=LINK_SALT, compress=True)


def packet_link_path(packet: Packet) -> str:
    return reverse("v1:intake-page", kwargs={"token": packet_link_token(packet)})


def packet_link_url(packet: Packet) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + packet_link_path(packet)


def packet_from_token(token: str) -> Packet | None:
    """The packet a link opens, or None if the link is forged, expired or revoked."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except (signing.BadSignature, signing.SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    packet = Packet.objects.select_related("client", "practice").filter(pk=data.get("p")).first()
    if packet is None or packet.link_nonce != data.get("n") or not packet.client.is_active:
        return None
    # intake.services.checkins imports this module (it sends check-in links): imported when a link is read
    from intake.services.checkins import checkin_expired_for_packet

    if checkin_expired_for_packet(packet):
        return None  # a session check-in closes at its own expiry (practice setting), before the link's
    return packet


def packet_invitation_send(*, packet_id: int) -> bool:
    """Queue the client's invitation to the packet on the reminders outbox, in the caller's transaction
    (`packet_assign` calls it inside its own). The dispatcher and the send task deliver it; the email is
    rendered at send time (intake/messages.py) with the practice's name, the due date and the signed link
    only. Safe to call twice: one row per packet (a database constraint), so one email. Returns True if this
    call queued it. A client with no email address gets a `skipped` row, visible to the front desk."""
    packet = Packet.objects.select_related("client").filter(pk=packet_id).first()
    if packet is None or packet.invitation_sent_at is not None:
        return False
    return outbox_client_message_queue(
        practice_id=packet.practice_id,
        client=packet.client,
        kind=OutboundMessage.Kind.INTAKE_INVITATION,
        subject_type=PACKET,
        subject_id=packet.pk,
    )
