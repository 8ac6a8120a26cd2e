"""Intake: versioned forms and measures, packets sent to clients, responses, consents, scores and risk flags.

Integrity rules live in PostgreSQL where they can: a published version, a submitted response
and a consent signature cannot be changed by any code path (triggers below).
"""

from __future__ import annotations

import secrets

import pgtrigger
from django.db import models
from django.utils import timezone

from core.fields import EncryptedJSONField, EncryptedTextField
from practice.models import Client, Clinician, Membership, Practice


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class FormDefinition(models.Model):
    """A form or measure a practice can assign. Its questions live on its versions."""

    class Kind(models.TextChoices):
        FORM = "form", "Form"
        MEASURE = "measure", "Measure"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="intake_forms")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FORM)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60)
    builtin = models.BooleanField(default=False, help_text="Seeded by Attune (see intake/builtins.py).")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "slug"], name="intake_form_slug_unique")]

    def __str__(self) -> str:
        return self.name

    @property
    def latest_published(self) -> FormVersion | None:
        return self.versions.filter(status=FormVersion.Status.PUBLISHED).order_by("-number").first()


class FormVersion(models.Model):
    """One version of a definition. Published versions are frozen; responses pin the version they answer."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    content = models.JSONField(help_text="The definition: see intake/definitions.py and docs/intake.md.")
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="intake_version_number_unique"),
            # At most one draft per form: editing a published form opens exactly one new version.
            models.UniqueConstraint(
                fields=["form"], condition=models.Q(status="draft"), name="intake_one_draft_per_form"
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="intake_published_version_frozen",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="published"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form.name} v{self.number}"


class Packet(models.Model):
    """One or more forms assigned to a client, with a due date. Status moves sent -> in progress -> completed."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="intake_packets")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_packets")
    assigned_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    schedule = models.ForeignKey(
        "MeasureSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="packets"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SENT)
    # Part of every link token: changing it revokes links already sent.
    link_nonce = models.CharField(max_length=32, default=_nonce)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "client", "-created_at"]),
            models.Index(fields=["practice", "status"]),
        ]


class Response(models.Model):
    """A client's answers to one exact form version: a draft until submitted, then read-only forever."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_responses")
    packet = models.ForeignKey(Packet, null=True, blank=True, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="responses")
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = EncryptedJSONField(default=dict, blank=True)  # encrypted at rest (core/fields.py)
    amends = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="amendments")
    started_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "client", "-submitted_at"])]
        triggers = [
            pgtrigger.Protect(
                name="intake_submitted_response_frozen",
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="submitted"),
            ),
        ]

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class ConsentSignature(models.Model):
    """Who signed which exact text, when, from where. Never changed or deleted."""

    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consent_signatures")
    response = models.ForeignKey(Response, on_delete=models.PROTECT, related_name="signatures")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    question_id = models.CharField(max_length=40)
    signed_name = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    document_sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question_id"], name="intake_one_signature")]
        triggers = [
            pgtrigger.Protect(name="intake_signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]


class Score(models.Model):
    """A scored administration of a measure: one per submitted response of a scored version."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_scores")
    form = models.ForeignKey(FormDefinition, on_delete=models.PROTECT, related_name="scores")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="score")
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=100, blank=True)
    administered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["practice", "client", "form", "administered_at"])]


class RiskFlag(models.Model):
    """Raised by a flag rule (PHQ-9 item 9 > 0, a low alliance total...). A clinician acknowledges it with a note."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_risk_flags")
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="risk_flags")
    score = models.ForeignKey(Score, null=True, blank=True, on_delete=models.CASCADE, related_name="risk_flags")
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=200)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = EncryptedTextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "code"], name="intake_flag_once_per_rule")]
        indexes = [models.Index(fields=["practice", "acknowledged_at"])]


class MeasureSchedule(models.Model):
    """Give a measure to a client every `interval_days` (PHQ-9 every four weeks...): the scores form a series."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="measure_schedules")
    form = models.ForeignKey(FormDefinition, on_delete=models.CASCADE, related_name="schedules")
    interval_days = models.PositiveSmallIntegerField()
    next_due_on = models.DateField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["is_active", "next_due_on"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(interval_days__gte=1), name="intake_schedule_interval_pos"),
        ]


class SessionCheckIn(models.Model):
    """The client's voice after one completed session: one session check-in per (appointment, client), ever.

    Created when the session is marked completed (intake/services/checkins.py), as a packet holding one response
    to the built-in `session-check-in` measure, so the client answers it on the same signed-link page as any form.
    It opens until `expires_at` and is answered once (no amendment). The unique constraint is the guarantee that a
    session completed twice (or reverted and completed again) never sends a second one.
    """

    class State(models.TextChoices):
        SENT = "sent", "Sent, waiting for the client"
        ANSWERED = "answered", "Answered"
        EXPIRED = "expired", "Expired unanswered"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, related_name="session_checkins")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="session_checkins")
    packet = models.OneToOneField(Packet, on_delete=models.CASCADE, related_name="session_checkin")
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="session_checkin")
    session_at = models.DateTimeField(help_text="When the session began (the appointment's start).")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "client"], name="session_checkin_once_per_client"),
        ]
        indexes = [models.Index(fields=["practice", "client", "-session_at"])]

    @property
    def is_expired(self) -> bool:
        return self.answered_at is None and self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.answered_at is not None:
            return self.State.ANSWERED
        return self.State.EXPIRED if self.is_expired else self.State.SENT
