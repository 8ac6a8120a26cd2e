"""Outbox messages about something other than an appointment: intake invitations (first, or sent again by the
front desk) and nudges (to a client), review and overdue-note notices (to a staff member).
docs/reliability.md, "Other messages".

Each kind names its subject through (`subject_type`, `subject_id`). At send time, under the row lock, the
send task asks `check()` whether the subject still wants the message (a completed packet needs no nudge, an
acknowledged flag no notice) and `render()` writes the text. Like every outbox message, the text is never
stored and carries the minimum:

- intake invitation and nudge: the practice's name, the due date and the signed packet link; never a
  form's name, a question or an answer;
- session check-in: the practice's name, the signed link and until when it works; never the clinician, the
  measure's name, a question or an answer;
- clinician notices: one sentence and a link to the app; never a client's name, a score, an answer, a
  note's content or the flag's wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from practice.models import Client, Membership
from reminders.models import OutboundMessage

Kind = OutboundMessage.Kind

PACKET = "intake.packet"
RISK_FLAG = "intake.riskflag"
NOTE_ALERT = "notes.overduenotealert"
CHECKIN = "intake.sessioncheckin"
SIGN_IN_LINK = "practice.signinlink"

INVITATION_KINDS = (Kind.INTAKE_INVITATION, Kind.INTAKE_INVITATION_RESEND)  # the same email, first or again
CLIENT_KINDS = (*INVITATION_KINDS, Kind.INTAKE_NUDGE)
STAFF_KINDS = (Kind.RISK_FLAG_REVIEW, Kind.NOTE_OVERDUE)
ACCOUNT_KINDS = (Kind.STAFF_INVITATION, Kind.PASSWORD_RESET)  # reminders/accounts.py
SUBJECT_KINDS = (*CLIENT_KINDS, Kind.SESSION_CHECKIN, Kind.PORTAL_SIGN_IN, *STAFF_KINDS, *ACCOUNT_KINDS)


@dataclass(frozen=True)
class Check:
    stale: str = ""  # the subject no longer wants the message: the row becomes cancelled with this reason
    problem: str = ""  # the recipient cannot get it: the row becomes skipped with this reason
    subject: object = None
    to: str = ""


def client_problem(client: Client | None) -> str:
    """Intake messages are asked for by the practice for this client: they need an active client with an
    email address (not the reminder consent, which is about appointment messages)."""
    if client is None or not client.is_active:
        return "client_inactive"
    if not client.email:
        return "no_email_address"
    return ""


def staff_problem(member: Membership | None) -> str:
    if member is None or not member.is_active:
        return "recipient_inactive"
    if not member.user.is_active:
        return "recipient_inactive"
    if not member.user.email:
        return "no_email_address"
    return ""


def _check_checkin(message: OutboundMessage, now: datetime) -> Check:
    from intake.models import SessionCheckIn
    from intake.services.checkins import client_checkin_problem

    checkin = SessionCheckIn.objects.select_related("practice", "packet", "client").filter(pk=message.subject_id)
    checkin = checkin.first()
    if checkin is None:
        return Check(stale="checkin_deleted")
    if checkin.answered_at is not None:
        return Check(stale="checkin_answered")
    if checkin.expires_at <= now:
        return Check(stale="checkin_expired")
    # Consent and the client's choice are asked again at send time: turned off since, nothing goes.
    problem = client_checkin_problem(checkin.client)
    return Check(problem=problem, subject=checkin, to=checkin.client.email if not problem else "")


def _check_sign_in_link(message: OutboundMessage, now: datetime) -> Check:
    from practice.models import SignInLink

    link = SignInLink.objects.select_related("user", "practice", "client").filter(pk=message.subject_id).first()
    if link is None:
        return Check(stale="link_deleted")
    if link.used_at is not None:
        return Check(stale="link_used")
    if link.expires_at <= now:
        return Check(stale="link_expired")
    problem = "recipient_inactive" if not link.user.is_active or not link.client.is_active else ""
    # To the address the person typed (their sign-in email), not the record's contact address.
    return Check(problem=problem, subject=link, to=link.user.email if not problem else "")


def check(message: OutboundMessage, now: datetime) -> Check:
    if message.kind in ACCOUNT_KINDS:
        from reminders import accounts

        return accounts.check(message, now)
    if message.kind == Kind.SESSION_CHECKIN:
        return _check_checkin(message, now)
    if message.kind == Kind.PORTAL_SIGN_IN:
        return _check_sign_in_link(message, now)
    if message.kind in CLIENT_KINDS:
        from intake.models import Packet

        packet = Packet.objects.select_related("practice").filter(pk=message.subject_id).first()
        if packet is None:
            return Check(stale="packet_deleted")
        if packet.status == Packet.Status.COMPLETED:
            return Check(stale="packet_completed")
        client = Client.objects.filter(pk=message.client_id).first()
        problem = client_problem(client)
        return Check(problem=problem, subject=packet, to=client.email if client and not problem else "")

    member = Membership.objects.select_related("user").filter(pk=message.recipient_id).first()
    if message.kind == Kind.RISK_FLAG_REVIEW:
        from intake.models import RiskFlag

        flag = RiskFlag.objects.filter(pk=message.subject_id).first()
        if flag is None:
            return Check(stale="flag_deleted")
        if flag.acknowledged_at is not None:
            return Check(stale="flag_acknowledged")
        subject = flag
    elif message.kind == Kind.NOTE_OVERDUE:
        from notes.models import OverdueNoteAlert, ProgressNote

        alert = OverdueNoteAlert.objects.select_related("note").filter(pk=message.subject_id).first()
        if alert is None:
            return Check(stale="alert_deleted")
        if alert.acknowledged_at is not None:
            return Check(stale="alert_acknowledged")
        if alert.note.status != ProgressNote.Status.DRAFT:
            return Check(stale="note_signed")
        subject = alert
    else:
        return Check(stale="unknown_kind")
    problem = staff_problem(member)
    return Check(problem=problem, subject=subject, to=member.user.email if not problem else "")


def app_url() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + "/"


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _due(packet) -> str:
    return formats.date_format(packet.due_on, "j F Y") if packet.due_on else ""


def _render_checkin(checkin) -> Rendered:
    from intake.invitations import packet_link_url

    client = checkin.client
    with translation.override(client.language or "en"):
        practice = checkin.practice.name
        until = formats.date_format(checkin.expires_at.astimezone(ZoneInfo(client.time_zone)), "j F Y")
        lines = [
            _("Hello,"),
            "",
            _("%(practice)s would like to know how your last appointment went for you.") % {"practice": practice},
            _("It takes a minute or two, and you can skip it."),
            "",
            _("Open this private link (it works until %(until)s):") % {"until": until},
            packet_link_url(checkin.packet),
            "",
            _("To stop these messages, reply to the practice or change your preferences in the portal."),
            "",
            practice,
        ]
        subject = _("A short check-in from %(practice)s") % {"practice": practice}
    return Rendered(subject=subject, body="\n".join(lines) + "\n")


def _render_sign_in_link(link) -> Rendered:
    from practice.services.signin_links import link_max_age, sign_in_link_url

    with translation.override(link.client.language or "en"):
        practice = link.practice.name
        minutes = link_max_age() // 60
        lines = [
            _("Hello,"),
            "",
            _("Someone asked to sign in to the %(practice)s client portal with this address.") % {"practice": practice},
            _("Open this link to sign in (it works once, for %(minutes)s minutes):") % {"minutes": minutes},
            sign_in_link_url(link),
            "",
            _("If it was not you, you can ignore this message."),
            "",
            practice,
        ]
        subject = _("Your sign-in link for %(practice)s") % {"practice": practice}
    return Rendered(subject=subject, body="\n".join(lines) + "\n")


def render(message: OutboundMessage, checked: Check) -> Rendered:
    if message.kind in ACCOUNT_KINDS:
        from reminders import accounts

        return accounts.render(message, checked)
    if message.kind == Kind.SESSION_CHECKIN:
        return _render_checkin(checked.subject)
    if message.kind == Kind.PORTAL_SIGN_IN:
        return _render_sign_in_link(checked.subject)
    if message.kind in CLIENT_KINDS:
        from intake.invitations import link_max_age, packet_link_url

        packet = checked.subject
        client = Client.objects.get(pk=message.client_id)
        with translation.override(client.language or "en"):
            practice = packet.practice.name
            due = _due(packet)
            link = packet_link_url(packet)
            days = link_max_age() // 86400
            if message.kind in INVITATION_KINDS:
                subject = _("Forms from %(practice)s") % {"practice": practice}
                opening = (
                    _("%(practice)s has asked you to complete some forms by %(due)s.")
                    if due
                    else _("%(practice)s has asked you to complete some forms.")
                ) % {"practice": practice, "due": due}
            else:
                subject = _("Reminder: forms from %(practice)s") % {"practice": practice}
                opening = (
                    _("Your forms for %(practice)s are not finished yet (due %(due)s).")
                    if due
                    else _("Your forms for %(practice)s are not finished yet.")
                ) % {"practice": practice, "due": due}
            lines = [
                _("Hello,"),
                "",
                opening,
                "",
                _("Open this private link to fill them in (it works for %(days)s days):") % {"days": days},
                link,
                "",
                _("Your answers are saved as you go, so you can stop and come back later."),
                "",
                practice,
            ]
        return Rendered(subject=subject, body="\n".join(lines) + "\n")

    if message.kind == Kind.RISK_FLAG_REVIEW:
        return Rendered(
            subject="Attune: a questionnaire result needs your review",
            body=f"A questionnaire result needs your review in Attune.\n\n{app_url()}\n",
        )

    from notes.models import OverdueNoteAlert

    count = OverdueNoteAlert.objects.filter(
        author_id=checked.subject.author_id, acknowledged_at__isnull=True, note__status="draft"
    ).count()
    count = max(count, 1)
    text = ngettext(
        "%(count)d progress note is waiting for your signature in Attune.",
        "%(count)d progress notes are waiting for your signature in Attune.",
        count,
    ) % {"count": count}
    return Rendered(subject="Attune: unsigned progress notes", body=f"{text}\n\n{app_url()}\n")
