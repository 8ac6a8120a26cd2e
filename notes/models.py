"""Session notes: progress notes with rupture/repair events, addenda, co-signature, and
psychotherapy (process) notes. Clinical text is encrypted at field level (core/fields.py).

Structured codes (marker family, markers, intensity, strategies, outcome, risk level) stay in
clear so the relational timeline can be computed in SQL; every free-text field is encrypted.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from core.fields import EncryptedJSONField, EncryptedTextField
from notes import taxonomy
from practice.models import Client, Clinician, Practice


class Family(models.TextChoices):
    WITHDRAWAL = taxonomy.WITHDRAWAL, "Withdrawal"
    CONFRONTATION = taxonomy.CONFRONTATION, "Confrontation"


class Approach(models.TextChoices):
    IMMEDIATE = taxonomy.IMMEDIATE, "Immediate / indirect"
    EXPRESSIVE = taxonomy.EXPRESSIVE, "Expressive / direct (metacommunication)"


class RuptureMarker(models.Model):
    """A 3RS rupture marker of the practice's taxonomy (seeded, then practice-editable)."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="rupture_markers")
    family = models.CharField(max_length=20, choices=Family.choices)
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "code"], name="rupture_marker_code_unique")]
        ordering = ["family", "sort_order", "id"]

    def __str__(self) -> str:
        return self.label


class RepairStrategy(models.Model):
    """A resolution strategy (therapist move), immediate or expressive."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="repair_strategies")
    approach = models.CharField(max_length=20, choices=Approach.choices)
    code = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "code"], name="repair_strategy_code_unique")]
        ordering = ["approach", "sort_order", "id"]

    def __str__(self) -> str:
        return self.label


class NoteTemplate(models.Model):
    """Sections of a note as data: [{"key", "label", "required"}]."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="note_templates")
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    sections = models.JSONField(default=list)
    has_ruptures = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "code"], name="note_template_code_unique"),
            models.UniqueConstraint(
                fields=["practice"], condition=Q(is_default=True), name="note_template_one_default"
            ),
        ]
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class RiskLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class ProgressNote(models.Model):
    """The clinical record of one session (or a standalone contact). Signed notes never change."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"
        AWAITING_COSIGN = "awaiting_cosign", "Awaiting co-signature"
        COSIGNED = "cosigned", "Co-signed"

    LOCKED = (Status.SIGNED, Status.AWAITING_COSIGN, Status.COSIGNED)

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="progress_notes")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="progress_notes")
    author = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="progress_notes")
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="progress_notes"
    )
    template = models.ForeignKey(NoteTemplate, on_delete=models.PROTECT, related_name="notes")
    session_at = models.DateTimeField(help_text="When the session (or contact) took place.")
    content = EncryptedJSONField(default=dict, help_text="Section key -> text, as the template defines.")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.NONE)
    risk_rationale = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1, help_text="Bumped by every autosave: stale saves get 409.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    content_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the signed content.")

    cosign_required = models.BooleanField(default=False)
    cosigned_at = models.DateTimeField(null=True, blank=True)
    cosigned_by = models.ForeignKey(Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cosign_comment = EncryptedTextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["practice", "client", "session_at"]),
            models.Index(fields=["author", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="progress_note_risk_rationale_above_none",
                condition=Q(status="draft") | Q(risk_level="none") | ~Q(risk_rationale=""),
            ),
            models.CheckConstraint(
                name="progress_note_signed_fields",
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False) & ~Q(content_hash="")),
            ),
            models.CheckConstraint(
                name="progress_note_cosigned_fields",
                condition=~Q(status="cosigned") | (Q(cosigned_at__isnull=False) & Q(cosigned_by__isnull=False)),
            ),
        ]

    @property
    def is_locked(self) -> bool:
        return self.status in self.LOCKED


class RuptureEvent(models.Model):
    """One rupture in a session. Unresolved (or partially repaired) ruptures stay open on the client's
    record until a later note repairs them (RuptureFollowUp) or a clinician closes them with a reason."""

    class Outcome(models.TextChoices):
        UNRESOLVED = "unresolved", "Unresolved"
        PARTIAL = "partial", "Partially repaired"
        REPAIRED = "repaired", "Repaired"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(ProgressNote, on_delete=models.CASCADE, related_name="ruptures")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="ruptures")
    minute = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes into the session.")
    family = models.CharField(max_length=20, choices=Family.choices)
    markers = models.ManyToManyField(RuptureMarker, related_name="+")
    intensity = models.PositiveSmallIntegerField()
    therapist_contribution = EncryptedTextField(blank=True, default="")
    strategies = models.ManyToManyField(RepairStrategy, related_name="+", blank=True)
    client_response = EncryptedTextField(blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.UNRESOLVED)
    position = models.PositiveSmallIntegerField(default=0)

    # Set when the rupture stops being open: repaired in session (at signing), by a later note, or closed.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_in_note = models.ForeignKey(
        ProgressNote, null=True, blank=True, on_delete=models.PROTECT, related_name="repaired_ruptures"
    )
    closed_by = models.ForeignKey(Clinician, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_reason = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["note_id", "position", "id"]
        indexes = [models.Index(fields=["client", "resolved_at"])]
        constraints = [
            models.CheckConstraint(name="rupture_intensity_1_5", condition=Q(intensity__gte=1) & Q(intensity__lte=5)),
            models.CheckConstraint(
                name="rupture_closed_has_reason", condition=Q(closed_by__isnull=True) | ~Q(closed_reason="")
            ),
        ]


class RuptureFollowUp(models.Model):
    """A later note returning to an earlier open rupture: what was tried, and what followed."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(ProgressNote, on_delete=models.CASCADE, related_name="follow_ups")
    rupture = models.ForeignKey(RuptureEvent, on_delete=models.PROTECT, related_name="follow_ups")
    strategies = models.ManyToManyField(RepairStrategy, related_name="+", blank=True)
    client_response = EncryptedTextField(blank=True, default="")
    outcome = models.CharField(max_length=12, choices=RuptureEvent.Outcome.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["note", "rupture"], name="rupture_follow_up_once_per_note")]


class Addendum(models.Model):
    """A correction or addition to a signed note, itself signed and timestamped when written."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField()
    signed_at = models.DateTimeField(default=timezone.now)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]


class PsychotherapyNote(models.Model):
    """Process notes (45 CFR 164.501): the author's alone. No other role, export, search or timeline reads them."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="psychotherapy_notes")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["author", "client"])]


class OverdueNoteAlert(models.Model):
    """A note still unsigned too long after its session: listed to its author, who also gets one outbox email."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    note = models.OneToOneField(ProgressNote, on_delete=models.CASCADE, related_name="overdue_alert")
    author = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="overdue_note_alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
