"""What a clinician reads to prepare for a session: the relational timeline, session prep (for a client or an
appointment), and the caseload's attention list. Output only; only clinical roles reach these (notes/apis.py)."""

from rest_framework import serializers

from notes.models import (
    ProgressNote,
)
from notes.serializers import RuptureOutput
from notes.serializers_checkins import AgreementSummaryOutput, CaseloadCheckinOutput, TwoViewsOutput


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


class OpenRupturesWindow(serializers.Serializer):
    size = serializers.IntegerField(help_text="Open ruptures listed per page, most recent first.")
    open = serializers.IntegerField(
        help_text="Open ruptures from this page back: all of them without `open_before` (the summary's `open`)."
    )
    shown = serializers.IntegerField()
    before = serializers.IntegerField(allow_null=True, help_text="The `open_before` asked for (null: the latest).")
    earlier = serializers.IntegerField(
        allow_null=True, help_text="Pass as `?open_before=` for the open ruptures before these."
    )


class TimelineOutput(serializers.Serializer):
    client = serializers.IntegerField()
    alliance_cutoff = serializers.IntegerField()
    sessions = TimelineSession(many=True, help_text="One window of sessions, oldest first (see `window`).")
    window = TimelineWindow()
    open_ruptures = TimelineRupture(
        many=True, help_text="One window of open ruptures, whatever their session, oldest first (see `open_window`)."
    )
    open_window = OpenRupturesWindow()
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
    open_ruptures = RuptureOutput(
        many=True, help_text="The most recent open ruptures in full, oldest first (see `open_window`)."
    )
    open_window = OpenRupturesWindow()
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
