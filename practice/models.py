"""Tenancy, people and the audit trail.

Every row that belongs to a practice carries the practice itself (not only through a
parent), so that selectors can scope any query with one indexed filter.
"""

from __future__ import annotations

import functools
import uuid
import zoneinfo

import pghistory
import pgtrigger
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from practice import roles


@functools.cache
def _time_zone_names() -> frozenset[str]:
    # available_timezones() walks the whole zone directory: once per process, not once per validation.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zone_names():
        raise ValidationError(f"'{value}' is not an IANA time zone name.", code="invalid_time_zone")


def validate_roles(value: list[str]) -> None:
    unknown = sorted(set(value) - roles.ALL_ROLES)
    if unknown:
        raise ValidationError(f"Unknown role(s): {', '.join(unknown)}.", code="invalid_role")
    if roles.SUPERVISOR in value and roles.CLINICIAN not in value:
        raise ValidationError("A supervisor must also hold the clinician role.", code="supervisor_not_clinician")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("Users log in by email: an email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who can log in. What they may do lives on their memberships."""

    email = models.EmailField(max_length=254, unique=True)  # stored lower-cased by the manager and clean()
    full_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the Django admin site (operators only).")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_unique_ci")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()


def default_practice_settings() -> dict:
    # New practices require a second factor of their staff (practice.services.mfa.mfa_required_for), and send
    # a check-in after each completed session (intake/checkin_settings.py; practices that existed before
    # check-ins were written with it off by practice/migrations/0004_session_checkins_off_for_existing.py).
    return {"mfa_required": True, "session_checkins_enabled": True}


class Practice(models.Model):
    """The tenant. Nothing crosses from one practice to another."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    # Hours before a session inside which a client's cancellation is a late cancellation.
    cancellation_window_hours = models.PositiveSmallIntegerField(default=24)
    settings = models.JSONField(default=default_practice_settings, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's place in one practice, with the roles they hold there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    roles = ArrayField(models.CharField(max_length=20, choices=roles.ROLE_CHOICES), validators=[validate_roles])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="membership_user_practice_unique"),
            models.CheckConstraint(condition=models.Q(roles__len__gt=0), name="membership_has_a_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.practice} ({', '.join(self.roles)})"

    def has_role(self, *wanted: str) -> bool:
        return any(r in self.roles for r in wanted)

    @property
    def is_staff_member(self) -> bool:
        return self.has_role(*roles.STAFF_ROLES)


class Clinician(models.Model):
    """The clinical profile of a membership holding the clinician role."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="clinicians")
    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="clinician")
    credentials = models.CharField(max_length=100, blank=True, help_text="For example LCSW, PhD, LMFT.")
    license_number = models.CharField(max_length=60, blank=True)
    license_state = models.CharField(max_length=60, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    is_active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "is_active"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        user = self.membership.user
        return f"{user.full_name}, {self.credentials}" if self.credentials else user.full_name or user.email


class Supervision(models.Model):
    """A supervisor reads and co-signs the supervisee's notes for the supervisee's clients."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="supervisions")
    supervisor = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="supervisions_given")
    supervisee = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="supervisions_received")
    requires_cosign = models.BooleanField(default=True)
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["supervisor", "supervisee"], name="supervision_pair_unique"),
            models.CheckConstraint(condition=~models.Q(supervisor=models.F("supervisee")), name="supervision_not_self"),
        ]


class CommunicationChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    NONE = "none", "No messages"


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())
class Client(models.Model):
    """A person in care. Demographics and contact only: clinical content lives elsewhere."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="clients")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True, help_text="E.164, for example +14155550123.")
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True, default="US")
    time_zone = models.CharField(max_length=64, default="America/New_York", validators=[validate_time_zone])
    language = models.CharField(max_length=10, default="en")

    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    emergency_contact_relationship = models.CharField(max_length=100, blank=True)

    preferred_channel = models.CharField(
        max_length=10, choices=CommunicationChannel.choices, default=CommunicationChannel.EMAIL
    )
    email_consent = models.BooleanField(default=False)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    email_consent_source = models.CharField(max_length=100, blank=True)
    sms_consent = models.BooleanField(default=False)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent_source = models.CharField(max_length=100, blank=True)
    # The client's choice to get a short check-in after each completed session (intake/services/checkins.py).
    wants_session_checkins = models.BooleanField(
        default=True, help_text="Send me a short check-in after each session (when the practice sends them)."
    )

    portal_membership = models.OneToOneField(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="client_record"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["practice", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.preferred_name or self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{(self.preferred_name or self.first_name)[:1]}{self.last_name[:1]}".upper()


class CareTeamMember(models.Model):
    """Which clinicians serve which client: the clinician's caseload is built from these rows."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "Primary clinician"
        ASSOCIATE = "associate", "Associate clinician"

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="care_team_members")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_team")
    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="care_team_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PRIMARY)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "clinician"], name="care_team_unique")]


class Invitation(models.Model):
    """A staff invitation: the invitee sets a password through a signed, expiring link."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=200, blank=True)
    roles = ArrayField(models.CharField(max_length=20, choices=roles.ROLE_CHOICES), validators=[validate_roles])
    invited_by = models.ForeignKey(Membership, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One pending invitation per address and practice: a new one supersedes (revokes) the earlier.
            models.UniqueConstraint(
                "practice",
                Lower("email"),
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_address",
            )
        ]

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return "accepted"
        if self.revoked_at is not None:
            return "revoked"
        from django.conf import settings

        if self.created_at and (timezone.now() - self.created_at).total_seconds() > settings.INVITATION_MAX_AGE:
            return "expired"
        return "pending"


class AuditEvent(models.Model):
    """One read of clinical content or one write of client data. Append-only.

    The triggers below make UPDATE and DELETE fail inside PostgreSQL itself, so not
    even a bug in the product (or a stray admin action) can change the trail.
    """

    class Action(models.TextChoices):
        READ = "read", "Read"
        LIST = "list", "List"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        SIGN = "sign", "Sign"
        EXPORT = "export", "Export"
        LOGIN = "login", "Log in"
        LOGIN_FAILED = "login_failed", "Failed log-in"
        LOGOUT = "logout", "Log out"

    practice = models.ForeignKey(Practice, null=True, on_delete=models.PROTECT, related_name="audit_events")
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    acting_role = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["practice", "-at"]),
            models.Index(fields=["practice", "object_type", "object_id"]),
        ]
        triggers = [
            pgtrigger.Protect(name="audit_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}:{self.object_id}"


class MfaDevice(models.Model):
    """A user's TOTP authenticator (one per user: MFA belongs to the person, whichever practice asks for it).

    The shared secret is stored encrypted with MFA_ENCRYPTION_KEYS (practice.services.mfa); `last_step` is the
    last TOTP time step accepted, so a code cannot be used twice.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mfa_device")
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class MfaRecoveryCode(models.Model):
    """A single-use recovery code, kept only as a keyed hash."""

    device = models.ForeignKey(MfaDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "code_hash"], name="mfa_recovery_code_unique")]


class SignInLink(models.Model):
    """A one-time sign-in link to the client portal, sent by email (practice/services/signin_links.py).

    The token is not stored: it is this row's id signed with the server's key (django.core.signing), so the
    email is rendered at send time like every outbox message. `used_at` makes it single use.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sign_in_links")
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="sign_in_links")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"])]


class TokenSecondFactor(models.Model):
    """The API token was issued (or confirmed) with the second factor: the log-in, not the practice, carries it.

    A token without this row acts in no practice that requires MFA of its staff
    (practice.services.second_factor); the row dies with its token.
    """

    token = models.OneToOneField("knox.AuthToken", on_delete=models.CASCADE, primary_key=True, related_name="+")
    method = models.CharField(max_length=20)  # "totp", "recovery_code"
    verified_at = models.DateTimeField(default=timezone.now)
