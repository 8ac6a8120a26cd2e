"""Outbox messages about something other than an appointment: intake invitations (first, or sent again by the
front desk) and nudges, session check-ins and portal sign-in links (to a client), review and overdue-note notices
(to a staff member), staff invitations and password resets (to an address). docs/reliability.md, "Other messages".

Each kind names its subject through (`subject_type`, `subject_id`), and the app that queues it registers its
handler (reminders/registry.py): at send time, on the claimed row as read, the send task asks the handler's
`check()` whether the subject still wants the message (a completed packet needs no nudge, an acknowledged flag no
notice) and its `render()` writes the text. Like every outbox message, the text is never stored and carries the minimum:

- intake invitation and nudge: the practice's name, the due date and the signed packet link; never a
  form's name, a question or an answer;
- session check-in: the practice's name, the signed link and until when it works; never the clinician, the
  measure's name, a question or an answer;
- clinician notices: one sentence and a link to the app; never a client's name, a score, an answer, a
  note's content or the flag's wording.

This module holds the recipient rules the outbox applies when it queues such a row, and the handlers share.
"""

from __future__ import annotations

from django.conf import settings

from practice.models import Client, Membership


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


def app_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/") + "/"
