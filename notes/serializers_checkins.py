"""Output shapes of the client's side beside the note (notes/checkins.py): per session, in the timeline, in
session prep and in caseload attention. Answers are clinical: these shapes go to clinicians and supervisors only."""

from __future__ import annotations

from rest_framework import serializers

from notes.checkins import DISAGREEMENTS


class DisagreementOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(DISAGREEMENTS))
    text = serializers.CharField(help_text="The disagreement in words (no quotation of the note).")


class ClientViewOutput(serializers.Serializer):
    alliance_total = serializers.FloatField(allow_null=True)
    felt_strain = serializers.ChoiceField(
        choices=["no", "a_little", "somewhat", "a_lot"],
        allow_null=True,
        help_text="Was there a moment the client felt misunderstood, pushed, or distant from the therapist?",
    )
    talked_through = serializers.ChoiceField(
        choices=["not_at_all", "a_little", "mostly", "fully"],
        allow_null=True,
        help_text="How much it was talked through (asked only when felt_strain is not 'no').",
    )
    for_next_time = serializers.CharField(allow_blank=True, help_text="The client's own words for next time.")
    felt_strain_any = serializers.BooleanField()
    unrepaired_strain = serializers.BooleanField(help_text="A strain the client says was not talked through.")


class NoteViewOutput(serializers.Serializer):
    note = serializers.IntegerField(help_text="The signed progress note of the session.")
    ruptures = serializers.IntegerField()
    repaired = serializers.IntegerField()
    families = serializers.ListField(child=serializers.CharField())
    outcomes = serializers.ListField(child=serializers.CharField())


class TwoViewsOutput(serializers.Serializer):
    disagreements = DisagreementOutput(many=True, help_text="First: the point of setting both sides together.")
    checkin = serializers.IntegerField()
    appointment_id = serializers.IntegerField()
    session_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField()
    client_view = ClientViewOutput()
    note_view = NoteViewOutput(allow_null=True, help_text="Null until the session's note is signed.")
    agree = serializers.BooleanField(allow_null=True, help_text="Null when there is no signed note to compare.")


class AgreementSummaryOutput(serializers.Serializer):
    checkins_answered = serializers.IntegerField()
    compared = serializers.IntegerField(help_text="Sessions with both an answered check-in and a signed note.")
    agree = serializers.IntegerField()
    agreement_rate = serializers.FloatField(allow_null=True)
    disagreements = serializers.DictField(child=serializers.IntegerField(), help_text="Count per disagreement code.")
    unrepaired_strains = serializers.IntegerField()


class CaseloadCheckinOutput(serializers.Serializer):
    checkin = serializers.IntegerField()
    session_at = serializers.DateTimeField()
    felt_strain = serializers.CharField()
    talked_through = serializers.CharField(allow_null=True)
    reason_text = serializers.CharField()


class ClientTwoViewsOutput(serializers.Serializer):
    client = serializers.IntegerField()
    sessions = TwoViewsOutput(many=True, help_text="Every answered check-in, oldest first, beside its note.")
    summary = AgreementSummaryOutput()
