"""Input and output shapes of the notes API. Only clinical roles ever reach these (see apis.py)."""

from rest_framework import serializers

from backend.api.fields import InstantField
from backend.api.scope import ScopedPrimaryKeyRelatedField
from notes.models import (
    Addendum,
    Family,
    NoteTemplate,
    OverdueNoteAlert,
    ProgressNote,
    PsychotherapyNote,
    RepairStrategy,
    RiskLevel,
    RuptureEvent,
    RuptureFollowUp,
    RuptureMarker,
)
from notes.serializers_checkins import AgreementSummaryOutput, CaseloadCheckinOutput, TwoViewsOutput
from notes.services.taxonomy import TAXONOMY_EDITABLE
from practice.models import Client
from practice.selectors import client_list
from scheduling.models import Appointment
from scheduling.selectors import appointment_list

# --- taxonomy -------------------------------------------------------------------------------------


# What a practice may change of a taxonomy entry; the service enforces the same set.
TAXONOMY_FIELDS = sorted(TAXONOMY_EDITABLE)


class RuptureMarkerSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuptureMarker
        fields = ["id", "family", "code", "label", "description", "sort_order", "is_active"]


class RuptureMarkerUpdateInput(serializers.ModelSerializer):
    class Meta:
        model = RuptureMarker
        fields = TAXONOMY_FIELDS


class RepairStrategySerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairStrategy
        fields = ["id", "approach", "code", "label", "description", "sort_order", "is_active"]


class RepairStrategyUpdateInput(serializers.ModelSerializer):
    class Meta:
        model = RepairStrategy
        fields = TAXONOMY_FIELDS


class NoteTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = NoteTemplate
        fields = ["id", "code", "name", "sections", "has_ruptures", "is_default", "is_active"]


# --- progress notes: input ------------------------------------------------------------------------


class _RepairFields(serializers.Serializer):
    """What was tried and how the client responded: the same on a rupture and on a later follow-up."""

    strategies = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    client_response = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class RuptureInput(_RepairFields):
    minute = serializers.IntegerField(min_value=0, max_value=600, required=False, allow_null=True)
    family = serializers.ChoiceField(choices=Family.choices)
    markers = serializers.ListField(child=serializers.CharField(max_length=60), min_length=1)
    intensity = serializers.IntegerField(min_value=1, max_value=5)
    therapist_contribution = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    outcome = serializers.ChoiceField(choices=RuptureEvent.Outcome.choices, default=RuptureEvent.Outcome.UNRESOLVED)


class FollowUpInput(_RepairFields):
    rupture = serializers.IntegerField(help_text="An open rupture of this client from an earlier signed note.")
    outcome = serializers.ChoiceField(choices=RuptureEvent.Outcome.choices)


class NoteDraftFields(serializers.Serializer):
    content = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=50000),
        required=False,
        help_text="Section key -> text. Keys must be sections of the template; "
        "an autosave may send only the sections that changed.",
    )
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    risk_rationale = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    ruptures = RuptureInput(many=True, required=False, help_text="Replaces the draft's rupture events.")
    follow_ups = FollowUpInput(
        many=True, required=False, help_text="Earlier open ruptures this session returned to (replaces the list)."
    )


class ProgressNoteCreateInput(NoteDraftFields):
    client = ScopedPrimaryKeyRelatedField(selector=client_list, model=Client)
    template = serializers.CharField(required=False, help_text="Template code; the practice's default if left out.")
    appointment = ScopedPrimaryKeyRelatedField(
        selector=appointment_list,
        model=Appointment,
        required=False,
        allow_null=True,
        help_text="Leave out for a standalone contact note.",
    )
    session_at = InstantField(required=False, help_text="Standalone notes only; default now.")


class ProgressNoteUpdateInput(NoteDraftFields):
    version = serializers.IntegerField(required=False, help_text="The version you loaded: a stale save gets 409.")
    session_at = InstantField(required=False)


class CosignInput(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=20000)


class AddendumInput(serializers.Serializer):
    body = serializers.CharField(max_length=50000)


class RuptureCloseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


# --- progress notes: output -----------------------------------------------------------------------


def _codes(items) -> list[str]:
    return sorted(item.code for item in items)


class RuptureOutput(serializers.ModelSerializer):
    markers = serializers.SerializerMethodField()
    strategies = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()

    class Meta:
        model = RuptureEvent
        fields = [
            "id",
            "minute",
            "family",
            "markers",
            "intensity",
            "therapist_contribution",
            "strategies",
            "client_response",
            "outcome",
            "is_open",
            "resolved_at",
            "resolved_in_note",
            "closed_reason",
        ]

    def get_markers(self, obj) -> list[str]:
        return _codes(obj.markers.all())

    def get_strategies(self, obj) -> list[str]:
        return _codes(obj.strategies.all())

    def get_is_open(self, obj) -> bool:
        return obj.resolved_at is None


class FollowUpOutput(serializers.ModelSerializer):
    strategies = serializers.SerializerMethodField()

    class Meta:
        model = RuptureFollowUp
        fields = ["id", "rupture", "strategies", "client_response", "outcome"]

    def get_strategies(self, obj) -> list[str]:
        return _codes(obj.strategies.all())


class AddendumOutput(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = Addendum
        fields = ["id", "note", "author", "author_name", "body", "signed_at", "content_hash"]


class ProgressNoteListOutput(serializers.ModelSerializer):
    """The list shows no clinical text."""

    template = serializers.CharField(source="template.code")
    author_name = serializers.CharField(source="author.display_name")

    class Meta:
        model = ProgressNote
        fields = [
            "id",
            "client",
            "author",
            "author_name",
            "appointment",
            "template",
            "session_at",
            "status",
            "risk_level",
            "version",
            "signed_at",
            "cosign_required",
            "cosigned_at",
            "updated_at",
        ]


class ProgressNoteOutput(ProgressNoteListOutput):
    content = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text="Section key -> text, as the template defines."
    )
    ruptures = RuptureOutput(many=True)
    follow_ups = FollowUpOutput(many=True)
    addenda = AddendumOutput(many=True)

    class Meta(ProgressNoteListOutput.Meta):
        fields = [
            *ProgressNoteListOutput.Meta.fields,
            "content",
            "risk_rationale",
            "ruptures",
            "follow_ups",
            "addenda",
            "signed_by",
            "content_hash",
            "cosigned_by",
            "cosign_comment",
        ]


class OverdueAlertOutput(serializers.ModelSerializer):
    session_at = serializers.DateTimeField(source="note.session_at")
    client = serializers.IntegerField(source="note.client_id")
    status = serializers.CharField(source="note.status")

    class Meta:
        model = OverdueNoteAlert
        fields = ["id", "note", "client", "session_at", "status", "created_at", "acknowledged_at"]


class OverdueCountOutput(serializers.Serializer):
    clinician = serializers.IntegerField()
    clinician_name = serializers.CharField()
    overdue = serializers.IntegerField()


# --- psychotherapy notes --------------------------------------------------------------------------


class PsychotherapyNoteCreateInput(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(selector=client_list, model=Client)
    appointment = ScopedPrimaryKeyRelatedField(
        selector=appointment_list, model=Appointment, required=False, allow_null=True
    )
    body = serializers.CharField(max_length=100000)


class PsychotherapyNoteUpdateInput(serializers.Serializer):
    body = serializers.CharField(max_length=100000)


class PsychotherapyNoteListOutput(serializers.ModelSerializer):
    class Meta:
        model = PsychotherapyNote
        fields = ["id", "client", "appointment", "created_at", "updated_at"]


class PsychotherapyNoteOutput(PsychotherapyNoteListOutput):
    class Meta(PsychotherapyNoteListOutput.Meta):
        fields = [*PsychotherapyNoteListOutput.Meta.fields, "body"]


# --- timeline, session prep, caseload -------------------------------------------------------------


class TimelineRupture(serializers.Serializer):
    id = serializers.IntegerField()
    note_id = serializers.IntegerField()
    session_at = serializers.DateTimeField()
    minute = serializers.IntegerField(allow_null=True)
    family = serializers.CharField()
    markers = serializers.ListField(child=serializers.CharField())
    intensity = serializers.IntegerField()
    strategies = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()
    is_open = serializers.BooleanField()
    closed = serializers.BooleanField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolved_in_note_id = serializers.IntegerField(allow_null=True)


class TimelineFollowUp(serializers.Serializer):
    id = serializers.IntegerField()
    rupture_id = serializers.IntegerField()
    strategies = serializers.ListField(child=serializers.CharField())
    outcome = serializers.CharField()


class TimelineMeasureScore(serializers.Serializer):
    measure = serializers.CharField(help_text="session-check-in (alliance), phq-9 or gad-7")
    total = serializers.FloatField(allow_null=True)
    band = serializers.CharField()
    administered_at = serializers.DateTimeField()
    below_cutoff = serializers.BooleanField(required=False)


class TimelineSession(serializers.Serializer):
    id = serializers.IntegerField(help_text="The progress note.")
    session_at = serializers.DateTimeField()
    status = serializers.CharField()
    template = serializers.CharField()
    risk_level = serializers.CharField()
    appointment_id = serializers.IntegerField(allow_null=True)
    author_id = serializers.IntegerField()
    ruptures = TimelineRupture(many=True)
    follow_ups = TimelineFollowUp(many=True)
    measures = TimelineMeasureScore(many=True)
    checkin = TwoViewsOutput(allow_null=True, help_text="The client's session check-in beside this note.")


class StrategyOutcome(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    approach = serializers.CharField()
    tried = serializers.IntegerField()
    followed_by_repair = serializers.IntegerField()
    repair_rate = serializers.FloatField()


class MonthBucket(serializers.Serializer):
    month = serializers.CharField()
    sessions = serializers.IntegerField()
    ruptures = serializers.IntegerField()


class TimelineSummary(serializers.Serializer):
    sessions = serializers.IntegerField()
    ruptures = serializers.IntegerField()
    ruptures_by_family = serializers.DictField(child=serializers.IntegerField())
    ruptures_by_marker = serializers.DictField(child=serializers.IntegerField())
    mean_intensity = serializers.FloatField(allow_null=True)
    rupture_frequency = MonthBucket(many=True)
    repaired = serializers.IntegerField()
    closed_without_repair = serializers.IntegerField()
    open = serializers.IntegerField()
    repair_rate = serializers.FloatField(allow_null=True)
    strategies = StrategyOutcome(many=True, help_text="Most often followed by repair first.")
    alliance_trend = serializers.FloatField(allow_null=True, help_text="Least-squares slope per check-in.")
    alliance_latest = serializers.FloatField(allow_null=True)
    two_views = AgreementSummaryOutput(help_text="How often the client's check-ins and the notes agree.")


class TimelineWindow(serializers.Serializer):
    size = serializers.IntegerField(help_text="Sessions shown in full per page of the timeline.")
    sessions = serializers.IntegerField(help_text="Signed sessions in all (the summary covers every one).")
    shown = serializers.IntegerField()
    before = serializers.IntegerField(allow_null=True, help_text="The `before` asked for (null: the latest).")
    earlier = serializers.IntegerField(allow_null=True, help_text="Pass as `?before=` for the sessions before these.")


class TimelineOutput(serializers.Serializer):
    client = serializers.IntegerField()
    alliance_cutoff = serializers.IntegerField()
    sessions = TimelineSession(many=True, help_text="One window of sessions, oldest first (see `window`).")
    window = TimelineWindow()
    open_ruptures = TimelineRupture(many=True)
    measures_before_first_session = TimelineMeasureScore(many=True)
    checkins_without_note = TwoViewsOutput(many=True, help_text="Answered check-ins whose note is not signed yet.")
    summary = TimelineSummary()


class AllianceStateOutput(serializers.Serializer):
    latest = serializers.FloatField(allow_null=True)
    latest_at = serializers.DateTimeField(required=False)
    below_cutoff = serializers.BooleanField()
    low_this_week = serializers.BooleanField()
    falling = serializers.BooleanField()


class PrepRiskFlag(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    raised_at = serializers.DateTimeField()


class LastNoteBrief(serializers.ModelSerializer):
    plan = serializers.SerializerMethodField()
    template = serializers.CharField(source="template.code")

    class Meta:
        model = ProgressNote
        fields = ["id", "session_at", "template", "status", "risk_level", "plan"]

    def get_plan(self, obj) -> str:
        return (obj.content or {}).get("plan", "")


class SessionPrepOutput(serializers.Serializer):
    client = serializers.IntegerField()
    latest_checkin = TwoViewsOutput(
        allow_null=True, help_text="The latest answered check-in: the client's words and any disagreement first."
    )
    last_note = LastNoteBrief(allow_null=True)
    open_ruptures = RuptureOutput(many=True)
    latest_measures = TimelineMeasureScore(many=True)
    alliance = AllianceStateOutput()
    alliance_cutoff = serializers.IntegerField()
    risk_flags = PrepRiskFlag(many=True, help_text="Unacknowledged risk flags from intake measures.")


class CaseloadAttentionRow(serializers.Serializer):
    client = serializers.IntegerField()
    name = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[
                "safety_flag",
                "risk_flag",
                "open_ruptures",
                "alliance_falling",
                "alliance_low_this_week",
                "checkin_unrepaired_strain",
            ]
        )
    )
    reason_text = serializers.ListField(child=serializers.CharField(), help_text="Each reason in words.")
    risk_flags = PrepRiskFlag(many=True, help_text="Unacknowledged risk flags, oldest first.")
    open_ruptures = serializers.IntegerField()
    max_open_intensity = serializers.IntegerField(allow_null=True)
    last_session_at = serializers.DateTimeField(allow_null=True)
    alliance = AllianceStateOutput()
    checkin = CaseloadCheckinOutput(
        allow_null=True, help_text="The latest check-in, when it reports a strain not talked through, in words."
    )


class AppointmentPrepOutput(serializers.Serializer):
    appointment = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    clients = SessionPrepOutput(many=True, help_text="One prep per client of the session (couples, families).")
