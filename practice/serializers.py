"""Input and output shapes. Which output a caller gets depends on role (field-level separation)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.api.scope import ScopedRelationsMixin
from practice import roles
from practice.models import AuditEvent, CareTeamMember, Client, Clinician, Invitation, Membership, Practice, Supervision
from practice.selectors import client_list, clinician_list
from practice.settings_schema import settings_errors, settings_openapi, settings_stored_valid


@extend_schema_field(settings_openapi())
class PracticeSettingsField(serializers.JSONField):
    """`settings`: checked key by key against practice/settings_schema.py (400 naming `settings.<key>`); the
    service merges the change into the stored settings. Shows the stored valid values."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError('Must be an object of settings, for example {"mfa_required": true}.')
        errors = settings_errors(data)
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def to_representation(self, value):
        return settings_stored_valid(value)


class PracticeSerializer(serializers.ModelSerializer):
    settings = PracticeSettingsField(
        required=False, help_text="Send only the keys to change (the rest are kept); null resets a key."
    )

    class Meta:
        model = Practice
        fields = ["id", "name", "slug", "time_zone", "cancellation_window_hours", "settings"]
        read_only_fields = ["id", "slug"]


class PracticePublicSerializer(serializers.ModelSerializer):
    """What a client sees of the practice."""

    class Meta:
        model = Practice
        fields = ["id", "name", "slug", "time_zone", "cancellation_window_hours"]


class MembershipBriefSerializer(serializers.ModelSerializer):
    practice = PracticePublicSerializer()

    class Meta:
        model = Membership
        fields = ["id", "practice", "roles"]


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    memberships = MembershipBriefSerializer(many=True)


class LoginInput(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class LoginOutput(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user = MeSerializer()


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField()


class PasswordResetConfirmInput(serializers.Serializer):
    uid = serializers.CharField()
    token = serializers.CharField()
    new_password = serializers.CharField(trim_whitespace=False)


class InvitationAcceptInput(serializers.Serializer):
    token = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False)
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=200)


class DetailOutput(serializers.Serializer):
    detail = serializers.CharField()


class StaffSerializer(serializers.ModelSerializer):
    """Staff see each other's names, email and roles."""

    full_name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    clinician_id = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "full_name", "email", "roles", "is_active", "clinician_id"]

    def get_clinician_id(self, obj) -> int | None:
        clinician = getattr(obj, "clinician", None)
        return clinician.pk if clinician else None


class StaffForClientSerializer(serializers.ModelSerializer):
    """A client sees only the names of their own clinicians."""

    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "full_name"]


class StaffUpdateInput(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=roles.ROLE_CHOICES), allow_empty=False)
    is_active = serializers.BooleanField(required=False)


class ClinicianSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="membership.user.full_name", read_only=True)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Clinician
        fields = [
            "id",
            "membership",
            "full_name",
            "display_name",
            "credentials",
            "license_number",
            "license_state",
            "time_zone",
            "is_active",
        ]
        read_only_fields = ["id", "membership"]


class ClinicianForClientSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Clinician
        fields = ["id", "display_name"]


class ClinicianUpdateInput(serializers.ModelSerializer):
    class Meta:
        model = Clinician
        fields = ["credentials", "license_number", "license_state", "time_zone", "is_active"]


CLIENT_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
    "language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "preferred_channel",
    "email_consent",
    "email_consent_at",
    "email_consent_source",
    "sms_consent",
    "sms_consent_at",
    "sms_consent_source",
    "wants_session_checkins",
    "is_active",
    "has_portal_login",
    "created_at",
    "updated_at",
]


class ClientSerializer(serializers.ModelSerializer):
    has_portal_login = serializers.SerializerMethodField()

    class Meta:
        model = Client
        fields = CLIENT_FIELDS
        read_only_fields = [
            "id",
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "created_at",
            "updated_at",
        ]

    def get_has_portal_login(self, obj) -> bool:
        return obj.portal_membership_id is not None


class ClientInput(serializers.ModelSerializer):
    """Front desk creates and edits the whole demographic record."""

    class Meta:
        model = Client
        fields = [
            f
            for f in CLIENT_FIELDS
            if f
            not in {
                "id",
                "email_consent_at",
                "email_consent_source",
                "sms_consent_at",
                "sms_consent_source",
                "has_portal_login",
                "created_at",
                "updated_at",
            }
        ]


class CareTeamMemberSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.display_name", read_only=True)

    class Meta:
        model = CareTeamMember
        fields = ["id", "client", "clinician", "clinician_name", "role", "added_at"]
        read_only_fields = ["id", "added_at"]
        scoped = {"client": client_list, "clinician": clinician_list}


class SupervisionSerializer(ScopedRelationsMixin, serializers.ModelSerializer):
    supervisor_name = serializers.CharField(source="supervisor.display_name", read_only=True)
    supervisee_name = serializers.CharField(source="supervisee.display_name", read_only=True)

    class Meta:
        model = Supervision
        fields = [
            "id",
            "supervisor",
            "supervisor_name",
            "supervisee",
            "supervisee_name",
            "requires_cosign",
            "started_on",
            "ended_on",
        ]
        read_only_fields = ["id", "started_on", "ended_on"]
        scoped = {"supervisor": clinician_list, "supervisee": clinician_list}


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(
        choices=["pending", "accepted", "revoked", "expired"], read_only=True, help_text="Invitation.status"
    )

    class Meta:
        model = Invitation
        fields = ["id", "email", "full_name", "roles", "status", "created_at", "accepted_at", "revoked_at"]
        read_only_fields = ["id", "status", "created_at", "accepted_at", "revoked_at"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor_email = serializers.EmailField(source="actor.email", read_only=True, default=None, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_email",
            "acting_role",
            "action",
            "object_type",
            "object_id",
            "ip_address",
            "request_id",
            "detail",
        ]
        read_only_fields = fields


# --- multi-factor authentication ------------------------------------------------------------------------


class MfaChallengeOutput(serializers.Serializer):
    """The password was right, and a second factor is needed: POST the challenge with a code to
    /auth/mfa/verify/ (or, when `mfa_enrolled` is false, enrol first with the challenge at /auth/mfa/enrol/)."""

    mfa_required = serializers.BooleanField()
    mfa_enrolled = serializers.BooleanField()
    challenge = serializers.CharField()
    challenge_expires_in = serializers.IntegerField(help_text="Seconds.")


class MfaVerifyInput(serializers.Serializer):
    challenge = serializers.CharField()
    code = serializers.CharField(required=False, allow_blank=True, max_length=12, help_text="6-digit TOTP code.")
    recovery_code = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def validate(self, attrs):
        if not attrs.get("code") and not attrs.get("recovery_code"):
            raise serializers.ValidationError({"code": ["Give a code or a recovery code."]})
        return attrs


class MfaEnrolInput(serializers.Serializer):
    challenge = serializers.CharField(required=False, help_text="From the log-in answer, when not yet logged in.")


class MfaEnrolOutput(serializers.Serializer):
    otpauth_uri = serializers.CharField()
    secret = serializers.CharField()
    recovery_codes = serializers.ListField(child=serializers.CharField(), help_text="Shown once. Keep them safe.")


class MfaCodeInput(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=True, max_length=12)
    recovery_code = serializers.CharField(required=False, allow_blank=True, max_length=20)

    def validate(self, attrs):
        if not attrs.get("code") and not attrs.get("recovery_code"):
            raise serializers.ValidationError({"code": ["Give a code or a recovery code."]})
        return attrs


class MfaStatusOutput(serializers.Serializer):
    enrolled = serializers.BooleanField()
    required = serializers.BooleanField()
    recovery_codes_left = serializers.IntegerField()


# --- Documented shapes of per-role outputs -------------------------------------------------------
# The same endpoint answers a staff member with every field and a client with a few. The schema
# documents one shape in which the staff-only fields are optional, so both answers conform to it.


class StaffEntry(serializers.Serializer):
    """A staff member. Staff see every field; a client sees only `id` and `full_name` of their own clinicians."""

    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField(required=False, help_text="Staff only.")
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=roles.ROLE_CHOICES), required=False, help_text="Staff only."
    )
    is_active = serializers.BooleanField(required=False, help_text="Staff only.")
    clinician_id = serializers.IntegerField(required=False, allow_null=True, help_text="Staff only.")


class ClinicianEntry(serializers.Serializer):
    """A clinician. Staff see every field; a client sees only `id` and `display_name` of their own clinicians."""

    id = serializers.IntegerField()
    display_name = serializers.CharField()
    membership = serializers.IntegerField(required=False, help_text="Staff only.")
    full_name = serializers.CharField(required=False, help_text="Staff only.")
    credentials = serializers.CharField(required=False, help_text="Staff only.")
    license_number = serializers.CharField(required=False, help_text="Staff only.")
    license_state = serializers.CharField(required=False, help_text="Staff only.")
    time_zone = serializers.CharField(required=False, help_text="Staff only.")
    is_active = serializers.BooleanField(required=False, help_text="Staff only.")
