"""The reminder policy and the outbox of messages that leave the system.

An `OutboundMessage` row is written in the same transaction as the appointment change
that causes it (see `services.reminders_sync_for_appointment`); a short periodic
dispatcher claims due rows and a send task delivers each. A row never holds the message
text: it is rendered at send time from the appointment, so nothing clinical is stored
here and a moved appointment can never be announced with its old time.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from practice.models import Client, Membership, Practice


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


DEFAULT_STEPS = [
    {"offset_minutes": 48 * 60, "channel": Channel.EMAIL.value},
    {"offset_minutes": 24 * 60, "channel": Channel.SMS.value},
    {"offset_minutes": 2 * 60, "channel": Channel.SMS.value},
]


class ReminderPolicy(models.Model):
    """Per practice: which reminders go out before a session, and which notices on changes."""

    practice = models.OneToOneField(Practice, on_delete=models.CASCADE, related_name="reminder_policy")
    # [{"offset_minutes": 2880, "channel": "email"}, ...]: validated by services.reminder_policy_update.
    steps = models.JSONField(default=list, blank=True)
    send_confirmation = models.BooleanField(default=True, help_text="A confirmation when an appointment is booked.")
    send_change_notices = models.BooleanField(
        default=True, help_text="A notice on reschedule, change of place and cancellation."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder policies"


class OutboundMessage(models.Model):
    """One message to one person (a client, or a staff member) on one channel, due at one instant. The outbox row.

    Appointment messages name their appointment; the others name their subject through
    (`subject_type`, `subject_id`), for example ("intake.packet", "42"), and are sent at most once
    per recipient, kind and subject (constraints below).
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        REMINDER = "reminder", "Reminder"
        RESCHEDULED = "rescheduled", "Reschedule notice"
        DETAILS_CHANGED = "details_changed", "Change of place notice"
        CANCELLED = "cancelled", "Cancellation notice"
        INTAKE_INVITATION = "intake_invitation", "Intake invitation"
        INTAKE_INVITATION_RESEND = "intake_invitation_resend", "Intake invitation (sent again)"
        INTAKE_NUDGE = "intake_nudge", "Incomplete intake nudge"
        RISK_FLAG_REVIEW = "risk_flag_review", "Questionnaire review notice (clinician)"
        NOTE_OVERDUE = "note_overdue", "Overdue note notice (author)"
        # Account messages: addressed by their subject (an invitation's address, a user's), not a client or member.
        STAFF_INVITATION = "staff_invitation", "Staff invitation"
        PASSWORD_RESET = "password_reset", "Password reset link"
        SESSION_CHECKIN = "session_checkin", "Session check-in (client)"
        PORTAL_SIGN_IN = "portal_sign_in", "Portal sign-in link (client)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        CLAIMED = "claimed", "Claimed by a dispatcher"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"
        # Handed to the provider by a send whose outcome was never recorded (its worker died), and then not
        # sent again because the appointment no longer wanted it: the client may have it.
        HANDED_OFF = "handed_off", "Handed to the provider, outcome not recorded"

    # Null only for a password reset, which belongs to a person rather than to one of their practices.
    practice = models.ForeignKey(Practice, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Null for messages about something other than an appointment (intake, staff notices), or
    # once the appointment was deleted as entered in error (the row stays as history).
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="outbound_messages"
    )
    # Exactly one of the two is set: a client message, or a staff message (clinician notices) to a membership.
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    recipient = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_messages"
    )
    # A generic reference for messages about other objects (for example "intake.packet", 42).
    subject_type = models.CharField(max_length=60, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    offset_minutes = models.PositiveIntegerField(default=0, help_text="Minutes before the session (reminders).")
    # The appointment start this row was computed for: the send task refuses if it changed.
    scheduled_for = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set (and committed) just before the provider is called; kept on a sent row. On a claimed row it means a
    # send was under way when its worker died: the message may have left.
    handed_off_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    skip_reason = models.CharField(max_length=60, blank=True)
    provider_message_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The outbox guarantee: one live row per (appointment, client, kind, channel, offset, start time).
            # Cancelled rows are history and do not count, so moving back to an earlier time works.
            # A change-of-place notice may follow every change of place at the same time, so it is
            # unique only while it waits (it is rendered at send time: one waiting notice tells the latest).
            models.UniqueConstraint(
                fields=["appointment", "client", "kind", "channel", "offset_minutes", "scheduled_for"],
                condition=Q(appointment__isnull=False) & ~Q(status="cancelled") & ~Q(kind="details_changed"),
                name="outbound_message_unique_live",
            ),
            models.UniqueConstraint(
                fields=["appointment", "client", "kind"],
                condition=Q(appointment__isnull=False, kind="details_changed", status="pending"),
                name="outbound_message_unique_waiting_details",
            ),
            # Messages about another object go once per (recipient, kind, subject), whatever became of an
            # earlier row: an intake invitation, a nudge, a review notice or an overdue-note notice is never
            # queued twice, even by two task runs at once (inserts use ON CONFLICT DO NOTHING).
            # The one exception is an invitation sent again by the front desk (`intake_invitation_resend`):
            # a row per resend, each its own email, under the next rule instead.
            models.UniqueConstraint(
                fields=["client", "kind", "subject_type", "subject_id"],
                condition=Q(client__isnull=False) & ~Q(subject_type="") & ~Q(kind="intake_invitation_resend"),
                name="outbound_message_unique_client_subject",
            ),
            # At most one invitation to a packet on its way at a time, first or resent: two resends at once,
            # or a resend while the first invitation is still queued, cannot both be queued.
            models.UniqueConstraint(
                fields=["client", "subject_type", "subject_id"],
                condition=Q(client__isnull=False)
                & Q(kind__in=["intake_invitation", "intake_invitation_resend"])
                & Q(status__in=["pending", "claimed"]),
                name="outbound_message_one_live_invitation",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "subject_type", "subject_id"],
                condition=Q(recipient__isnull=False) & ~Q(subject_type=""),
                name="outbound_message_unique_staff_subject",
            ),
            models.CheckConstraint(
                condition=(
                    Q(client__isnull=False, recipient__isnull=True)
                    | Q(client__isnull=True, recipient__isnull=False)
                    | Q(client__isnull=True, recipient__isnull=True, kind__in=["staff_invitation", "password_reset"])
                ),
                name="outbound_message_one_recipient",
            ),
            models.CheckConstraint(
                condition=Q(practice__isnull=False) | Q(kind="password_reset"),
                name="outbound_message_practice_unless_account",
            ),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(claimed_at__isnull=False),
                name="outbound_message_claimed_at",
            ),
        ]
        indexes = [
            # The dispatcher's two questions: what is due, and what was claimed too long ago.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="outbound_message_due"),
            models.Index(fields=["claimed_at"], condition=Q(status="claimed"), name="outbound_message_claimed"),
            models.Index(fields=["practice", "appointment"]),
        ]

    def __str__(self) -> str:
        to = f"client {self.client_id}" if self.client_id else f"member {self.recipient_id}"
        return f"{self.kind}/{self.channel} {to} due {self.due_at:%Y-%m-%d %H:%M} ({self.status})"
