"""Input and output shapes. Which output a caller gets depends on role (ACCESS.md):

- PacketSerializer is all the front desk ever sees: status per form and "consent signed" yes/no.
- ResponseSerializer (answers, signatures, score) is for clinicians, supervisors and the client.
- ResponseForClientSerializer drops the score and band: "no clinical interpretation" for the client.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.api.fields import BoundedDateField
from backend.api.scope import ScopedPrimaryKeyRelatedField, ScopedRelationsMixin
from intake.models import ConsentSignature, FormDefinition, FormVersion, MeasureSchedule, Packet, Response, RiskFlag
from intake.safety import safety_notice
from intake.selectors import form_list
from practice.models import Client
from practice.selectors import client_list


class FormVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormVersion
        fields = ["id", "number", "status", "content", "created_at", "published_at"]


class FormVersionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = FormVersion
        fields = ["id", "number", "status", "created_at", "published_at"]


class FormSerializer(serializers.ModelSerializer):
    latest_version = serializers.SerializerMethodField()

    class Meta:
        model = FormDefinition
        fields = ["id", "kind", "name", "slug", "builtin", "is_active", "created_at", "latest_version"]

    @extend_schema_field(FormVersionBriefSerializer(allow_null=True))
    def get_latest_version(self, obj):
        versions = sorted(obj.versions.all(), key=lambda v: v.number)
        return FormVersionBriefSerializer(versions[-1]).data if versions else None


class FormDetailSerializer(FormSerializer):
    versions = FormVersionSerializer(many=True, read_only=True)

    class Meta(FormSerializer.Meta):
        fields = [*FormSerializer.Meta.fields, "versions"]


class FormCreateInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FormDefinition.Kind.choices, default=FormDefinition.Kind.FORM)
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=60)
    content = serializers.JSONField(help_text="The definition: JSON Schema in docs/intake.md.")
    publish = serializers.BooleanField(default=False)


class FormEditInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    content = serializers.JSONField(
        required=False, help_text="Replaces the draft; a published form gets a new draft version."
    )


class PacketItemSerializer(serializers.ModelSerializer):
    """Status only: no answers, no score, no flags. The consent is a yes/no."""

    form = serializers.CharField(source="version.form.name")
    form_slug = serializers.CharField(source="version.form.slug")
    version = serializers.IntegerField(source="version.number")
    consent_signed = serializers.SerializerMethodField()

    class Meta:
        model = Response
        fields = ["id", "form", "form_slug", "version", "status", "started_at", "submitted_at", "consent_signed"]

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_consent_signed(self, obj) -> bool | None:
        has_consent = any(
            q["type"] == "consent" for s in obj.version.content.get("sections", []) for q in s.get("questions", [])
        )
        if not has_consent:
            return None
        return bool(obj.signatures.all())


class PacketSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = Packet
        fields = ["id", "client", "due_on", "status", "created_at", "completed_at", "invitation_sent_at", "items"]

    @extend_schema_field(PacketItemSerializer(many=True))
    def get_items(self, obj):
        originals = sorted((r for r in obj.responses.all() if r.amends_id is None), key=lambda r: r.position)
        return PacketItemSerializer(originals, many=True).data


class PacketResendInput(serializers.Serializer):
    revoke_previous = serializers.BooleanField(
        default=True, help_text="Make the links already sent stop working (a new link nonce) before sending."
    )


class PacketAssignInput(serializers.Serializer):
    client = ScopedPrimaryKeyRelatedField(selector=client_list, model=Client)
    forms = ScopedPrimaryKeyRelatedField(selector=form_list, model=FormDefinition, many=True)
    due_on = BoundedDateField(required=False, allow_null=True)
    send_invitation = serializers.BooleanField(default=True)


class ConsentSignatureSerializer(serializers.ModelSerializer):
    # The form version's number, as the response's own `version` says it (not the version row's id).
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = ConsentSignature
        fields = ["question_id", "signed_name", "signed_at", "ip_address", "user_agent", "document_sha256", "version"]


class ScoreOutput(serializers.Serializer):
    total = serializers.FloatField(allow_null=True)
    subscales = serializers.DictField()
    band = serializers.CharField()


class RiskFlagBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskFlag
        fields = ["id", "code", "label", "raised_at", "acknowledged_at"]


class ResponseForClientSerializer(serializers.ModelSerializer):
    form = serializers.CharField(source="version.form.name")
    kind = serializers.CharField(source="version.form.kind")
    definition = serializers.JSONField(source="version.content")
    version = serializers.IntegerField(source="version.number")
    answers = serializers.JSONField(read_only=True)  # an encrypted text column: say it is JSON
    signatures = ConsentSignatureSerializer(many=True, read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        # The client gets the questions, never the scoring: bands and flag rules are clinical
        # interpretation (ACCESS.md), and knowing what raises a flag changes how people answer.
        if isinstance(data.get("definition"), dict):
            data["definition"] = {k: v for k, v in data["definition"].items() if k != "scoring"}
        return data

    class Meta:
        model = Response
        fields = [
            "id",
            "client",
            "packet",
            "form",
            "kind",
            "version",
            "definition",
            "status",
            "answers",
            "amends",
            "started_at",
            "updated_at",
            "submitted_at",
            "signatures",
        ]


@extend_schema_field(ScoreOutput(allow_null=True))
class _ScoreField(serializers.Field):
    """Output only. Not required in the schema: the same endpoint answers a client without it."""

    def get_attribute(self, instance):
        return getattr(instance, "score", None)  # RelatedObjectDoesNotExist is an AttributeError

    def to_representation(self, score):
        return {"total": score.total, "subscales": score.subscales, "band": score.band}


class ResponseSerializer(ResponseForClientSerializer):
    # Not required in the schema (required=False, output only): a client reading their own response gets
    # ResponseForClientSerializer from the same endpoint, without score and flags.
    score = _ScoreField(required=False, allow_null=True, help_text="Clinicians and supervisors only.")
    risk_flags = RiskFlagBriefSerializer(many=True, required=False, help_text="Clinicians and supervisors only.")

    class Meta(ResponseForClientSerializer.Meta):
        fields = [*ResponseForClientSerializer.Meta.fields, "score", "risk_flags"]


class ResponseBriefSerializer(serializers.ModelSerializer):
    form = serializers.CharField(source="version.form.name")
    version = serializers.IntegerField(source="version.number")

    class Meta:
        model = Response
        fields = ["id", "client", "packet", "form", "version", "status", "amends", "updated_at", "submitted_at"]


class DraftInput(serializers.Serializer):
    answers = serializers.DictField(help_text='Answers keyed by question id; null or "" clears one.')


class RiskFlagSerializer(serializers.ModelSerializer):
    form = serializers.CharField(source="response.version.form.name")
    acknowledged_by = serializers.CharField(source="acknowledged_by.display_name", default=None, allow_null=True)
    acknowledgement_note = serializers.CharField(read_only=True)

    class Meta:
        model = RiskFlag
        fields = [
            "id",
            "client",
            "response",
            "form",
            "code",
            "label",
            "raised_at",
            "acknowledged_by",
            "acknowledged_at",
            "acknowledgement_note",
        ]


class AcknowledgeInput(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class ScheduleSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    form_slug = serializers.CharField(source="form.slug", read_only=True)

    class Meta:
        model = MeasureSchedule
        fields = ["id", "client", "form", "form_slug", "interval_days", "next_due_on", "is_active", "created_at"]
        read_only_fields = ["id", "form_slug", "is_active", "created_at"]
        extra_kwargs = {"interval_days": {"min_value": 1, "max_value": 365}}
        scoped = {"client": client_list, "form": form_list}


class SeriesPoint(serializers.Serializer):
    response = serializers.IntegerField()
    at = serializers.DateTimeField()
    total = serializers.FloatField(allow_null=True)
    band = serializers.CharField()
    subscales = serializers.DictField()
    version = serializers.IntegerField(help_text="Number of the form version this score was computed with.")
    range = serializers.DictField(allow_null=True, help_text="That version's score range.")
    bands = serializers.ListField(
        child=serializers.DictField(), help_text="That version's severity bands: draw this point against these."
    )


class SeriesMeasure(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    range = serializers.DictField(allow_null=True, help_text="The latest published version's score range.")
    bands = serializers.ListField(
        child=serializers.DictField(),
        help_text="The latest published version's bands; a point scored under another version carries its own.",
    )
    points = SeriesPoint(many=True)


class SeriesOutput(serializers.Serializer):
    client = serializers.IntegerField()
    measures = SeriesMeasure(many=True)


class LinkDraftInput(DraftInput):
    pass


class LinkResponseSerializer(ResponseForClientSerializer):
    class Meta(ResponseForClientSerializer.Meta):
        fields = ["id", "form", "version", "definition", "status", "answers", "updated_at", "submitted_at"]


class SafetyNoticeOutput(serializers.Serializer):
    message = serializers.CharField()
    crisis_text = serializers.CharField(help_text="Where to get help now: the practice's crisis text.")


class _SafetyMixin(serializers.Serializer):
    safety = serializers.SerializerMethodField(
        help_text="Set when the answers raised a safety flag (PHQ-9 item 9 above 0): show it to the client at once."
    )

    @extend_schema_field(SafetyNoticeOutput(allow_null=True))
    def get_safety(self, obj):

        return safety_notice(obj)


class SubmitOutput(_SafetyMixin, ResponseForClientSerializer):
    class Meta(ResponseForClientSerializer.Meta):
        fields = [*ResponseForClientSerializer.Meta.fields, "safety"]


class LinkSubmitOutput(_SafetyMixin, LinkResponseSerializer):
    class Meta(LinkResponseSerializer.Meta):
        fields = [*LinkResponseSerializer.Meta.fields, "safety"]


class LinkPacketSerializer(serializers.Serializer):
    practice = serializers.CharField(source="practice.name")
    due_on = serializers.DateField()
    status = serializers.CharField()
    responses = serializers.SerializerMethodField()

    @extend_schema_field(LinkResponseSerializer(many=True))
    def get_responses(self, obj):
        originals = sorted((r for r in obj.responses.all() if r.amends_id is None), key=lambda r: r.position)
        return LinkResponseSerializer(originals, many=True).data
