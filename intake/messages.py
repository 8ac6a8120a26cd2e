"""Intake's messages through the outbox (registered in IntakeConfig.ready(); reminders/registry.py): the packet
invitation (first, or sent again by the front desk) and nudge, the session check-in, and the clinicians' notice of
a risk flag. Rendered at send time from templates/intake/email/, with the minimum of reminders/subjects.py:
never a form's name, a question, an answer, a score, the clinician or the client's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation

from intake.invitations import INVITATION_KINDS, link_max_age, packet_link_url
from intake.models import Packet, RiskFlag, SessionCheckIn
from intake.services.checkins import client_checkin_problem
from practice.models import Client
from reminders import registry
from reminders.models import OutboundMessage
from reminders.subjects import app_url, client_problem, staff_problem
from reminders.templating import render_line, render_text

Kind = OutboundMessage.Kind


# --- the packet invitation and nudge (to the client) ---------------------------------------------------------


@dataclass(frozen=True)
class _PacketSubject:
    packet: Packet
    client: Client


def packet_check(message: OutboundMessage, now: datetime) -> registry.Check:
    packet = Packet.objects.select_related("practice").filter(pk=message.subject_id).first()
    if packet is None:
        return registry.Check(stale="packet_deleted")
    if packet.status == Packet.Status.COMPLETED:
        return registry.Check(stale="packet_completed")
    client = message.client  # loaded with the claimed row (related)
    problem = client_problem(client)
    if problem or client is None:
        return registry.Check(problem=problem)
    return registry.Check(subject=_PacketSubject(packet=packet, client=client), to=client.email)


def packet_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    subject = checked.subject
    assert isinstance(subject, _PacketSubject)
    packet = subject.packet
    with translation.override(subject.client.language or "en"):
        context = {
            "nudge": message.kind not in INVITATION_KINDS,
            "practice": packet.practice.name,
            "due": formats.date_format(packet.due_on, "j F Y") if packet.due_on else "",
            "link": packet_link_url(packet),
            "days": link_max_age() // 86400,
        }
        return registry.Rendered(
            subject=render_line("intake/email/packet_invitation_subject.txt", context),
            body=render_text("intake/email/packet_invitation.txt", context),
        )


def invitation_sent(message: OutboundMessage) -> None:
    """The packet records when its first invitation went (the front desk's list shows it)."""
    Packet.objects.filter(pk=message.subject_id, invitation_sent_at__isnull=True).update(
        invitation_sent_at=message.sent_at
    )


# --- the session check-in (to the client) --------------------------------------------------------------------


def checkin_check(message: OutboundMessage, now: datetime) -> registry.Check:
    checkin = SessionCheckIn.objects.select_related("practice", "packet", "client").filter(pk=message.subject_id)
    found = checkin.first()
    if found is None:
        return registry.Check(stale="checkin_deleted")
    if found.answered_at is not None:
        return registry.Check(stale="checkin_answered")
    if found.expires_at <= now:
        return registry.Check(stale="checkin_expired")
    # Consent and the client's choice are asked again at send time: turned off since, nothing goes.
    problem = client_checkin_problem(found.client)
    return registry.Check(problem=problem, subject=found, to=found.client.email if not problem else "")


def checkin_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    checkin = checked.subject
    assert isinstance(checkin, SessionCheckIn)
    client = checkin.client
    with translation.override(client.language or "en"):
        context = {
            "practice": checkin.practice.name,
            "until": formats.date_format(checkin.expires_at.astimezone(ZoneInfo(client.time_zone)), "j F Y"),
            "link": packet_link_url(checkin.packet),
        }
        return registry.Rendered(
            subject=render_line("intake/email/checkin_subject.txt", context),
            body=render_text("intake/email/checkin.txt", context),
        )


# --- the risk-flag notice (to each clinician of the client's care team) ---------------------------------------


def risk_flag_check(message: OutboundMessage, now: datetime) -> registry.Check:
    flag = RiskFlag.objects.filter(pk=message.subject_id).first()
    if flag is None:
        return registry.Check(stale="flag_deleted")
    if flag.acknowledged_at is not None:
        return registry.Check(stale="flag_acknowledged")
    member = message.recipient  # loaded with the claimed row (related), with its user
    problem = staff_problem(member)
    return registry.Check(problem=problem, subject=flag, to=member.user.email if member and not problem else "")


def risk_flag_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    context = {"app_url": app_url()}
    return registry.Rendered(
        subject=render_line("intake/email/risk_flag_review_subject.txt", context),
        body=render_text("intake/email/risk_flag_review.txt", context),
    )


def register() -> None:
    to_client = ("client",)
    invitation = registry.Handler(packet_check, packet_render, on_sent=invitation_sent, related=to_client)
    registry.register(INVITATION_KINDS, invitation)
    registry.register([Kind.INTAKE_NUDGE], registry.Handler(packet_check, packet_render, related=to_client))
    registry.register([Kind.SESSION_CHECKIN], registry.Handler(checkin_check, checkin_render))
    risk_flag = registry.Handler(risk_flag_check, risk_flag_render, related=("recipient__user",))
    registry.register([Kind.RISK_FLAG_REVIEW], risk_flag)
