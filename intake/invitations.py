"""Signed, expiring links to a packet, and the invitation email that carries one.

The link is the only credential a client needs: it names one packet and the packet's
`link_nonce` (changing the nonce revokes every link already sent). It expires after
settings.INTAKE_LINK_MAX_AGE seconds (default 14 days).

The email carries the minimum (ACCESS.md): the practice's name, the due date and the link.
No form names, no answers. Sending lives in this one function so that it can move onto the
reminders outbox when that exists.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from intake.models import Packet

LINK_SALT = "attune.intake.packet-link"
DEFAULT_MAX_AGE = 14 * 24 * 60 * 60


def link_max_age() -> int:
    return int(getattr(settings, "INTAKE_LINK_MAX_AGE", DEFAULT_MAX_AGE))


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
    return packet


def packet_invitation_send(*, packet_id: int) -> bool:
    """Email the client a link to the packet. Safe to call twice: it sends once."""
    packet = Packet.objects.select_related("client", "practice").filter(pk=packet_id).first()
    if packet is None or packet.invitation_sent_at is not None or not packet.client.email:
        return False
    claimed = Packet.objects.filter(pk=packet.pk, invitation_sent_at__isnull=True).update(
        invitation_sent_at=timezone.now())
    if not claimed:
        return False
    practice = packet.practice.name
    due = f" by {packet.due_on:%B} {packet.due_on.day}, {packet.due_on.year}" if packet.due_on else ""
    body = (
        f"Hello,\n\n{practice} has asked you to complete some forms{due}.\n\n"
        f"Open this private link to fill them in (it works for {link_max_age() // 86400} days):\n"
        f"{packet_link_url(packet)}\n\n"
        "Your answers are saved as you go, so you can stop and come back later.\n\n"
        f"{practice}\n"
    )
    send_mail(subject=f"Forms from {practice}", message=body, from_email=None,
              recipient_list=[packet.client.email])
    return True
