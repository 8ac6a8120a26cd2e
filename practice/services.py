"""Writes for practices, people and care teams. Every service re-checks the actor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from backend.api.exceptions import Conflict, DomainError, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import (
    AuditEvent,
    CareTeamMember,
    Client,
    Clinician,
    Invitation,
    Membership,
    Practice,
    Supervision,
    User,
)

INVITATION_SALT = "attune.invitation"


def require_role(actor: Membership, allowed: set[str] | frozenset[str]) -> None:
    if not actor.has_role(*allowed):
        raise NotAllowed("Your role in this practice may not do this.")


# --- practice -------------------------------------------------------------------------------------

PRACTICE_EDITABLE = {"name", "time_zone", "cancellation_window_hours", "settings"}


@transaction.atomic
def practice_update(*, actor: Membership, **changes: Any) -> Practice:
    require_role(actor, {roles.ADMIN})
    practice = Practice.objects.select_for_update().get(pk=actor.practice_id)
    for field, value in changes.items():
        if field not in PRACTICE_EDITABLE:
            raise DomainError(f"'{field}' cannot be changed here.", fields={field: ["Not editable."]})
        setattr(practice, field, value)
    practice.full_clean()
    practice.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=practice, detail={"fields": sorted(changes)})
    return practice


# --- clients --------------------------------------------------------------------------------------

# What the client may change on their own record through the portal.
CLIENT_SELF_EDITABLE = {
    "preferred_name",
    "pronouns",
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
    "sms_consent",
}
CLIENT_STAFF_EDITABLE = CLIENT_SELF_EDITABLE | {"first_name", "last_name", "date_of_birth", "is_active"}


def _apply_consents(client: Client, changes: dict, *, source: str) -> None:
    now = timezone.now()
    for channel in ("email", "sms"):
        key = f"{channel}_consent"
        if key in changes and changes[key] != getattr(client, key):
            # The time and source of every consent change are kept with it (TCPA for SMS).
            setattr(client, f"{key}_at", now)
            setattr(client, f"{key}_source", source)


@transaction.atomic
def client_create(*, actor: Membership, **data: Any) -> Client:
    require_role(actor, {roles.FRONT_DESK})
    unknown = set(data) - CLIENT_STAFF_EDITABLE
    if unknown:
        raise DomainError("Unknown fields.", fields={f: ["Not a client field."] for f in sorted(unknown)})
    client = Client(practice=actor.practice)
    _apply_consents(client, data, source=f"staff:{actor.user.email}")
    for field, value in data.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=client, detail={"fields": sorted(data)})
    return client


@transaction.atomic
def client_update(*, actor: Membership, client: Client, **changes: Any) -> Client:
    if actor.has_role(roles.FRONT_DESK):
        allowed = CLIENT_STAFF_EDITABLE
        source = f"staff:{actor.user.email}"
    elif actor.has_role(roles.CLIENT) and client.portal_membership_id == actor.pk:
        allowed = CLIENT_SELF_EDITABLE
        source = "client_portal"
    else:
        raise NotAllowed("Your role in this practice may not change this client's record.")
    refused = set(changes) - allowed
    if refused:
        raise NotAllowed("You may not change these fields.", fields={f: ["Not editable by you."] for f in refused})
    client = Client.objects.select_for_update().get(pk=client.pk)
    _apply_consents(client, changes, source=source)
    for field, value in changes.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=client, detail={"fields": sorted(changes)})
    return client


@transaction.atomic
def care_team_add(*, actor: Membership, client: Client, clinician: Clinician, role: str) -> CareTeamMember:
    require_role(actor, {roles.ADMIN, roles.FRONT_DESK})
    if client.practice_id != actor.practice_id or clinician.practice_id != actor.practice_id:
        raise DomainError("Client and clinician must belong to this practice.")
    try:
        with transaction.atomic():
            member = CareTeamMember.objects.create(
                practice=actor.practice, client=client, clinician=clinician, role=role
            )
    except IntegrityError as exc:
        raise Conflict("This clinician is already on the client's care team.", code="already_on_care_team") from exc
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=member,
        detail={"client": client.pk, "clinician": clinician.pk},
    )
    return member


@transaction.atomic
def care_team_remove(*, actor: Membership, member: CareTeamMember) -> None:
    require_role(actor, {roles.ADMIN, roles.FRONT_DESK})
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=member,
        detail={"client": member.client_id, "clinician": member.clinician_id},
    )
    member.delete()


# --- staff ----------------------------------------------------------------------------------------


def _ensure_clinician_profile(membership: Membership) -> None:
    if membership.has_role(*roles.ROLES_NEEDING_CLINICIAN_PROFILE):
        Clinician.objects.get_or_create(
            membership=membership,
            defaults={"practice": membership.practice, "time_zone": membership.practice.time_zone},
        )


@transaction.atomic
def membership_set_roles(
    *, actor: Membership, membership: Membership, roles_: list[str], is_active: bool | None = None
) -> Membership:
    require_role(actor, {roles.ADMIN})
    if membership.pk == actor.pk and roles.ADMIN not in roles_:
        raise Conflict("You cannot remove your own administrator role.", code="last_admin")
    membership.roles = sorted(set(roles_))
    if is_active is not None:
        membership.is_active = is_active
    if membership.pk == actor.pk and is_active is False:
        raise Conflict("You cannot deactivate your own membership.", code="last_admin")
    membership.full_clean()
    membership.save()
    _ensure_clinician_profile(membership)
    if is_active is False:
        # Tokens are not tied to a practice: a deactivated member is logged out everywhere at once.
        from knox.models import AuthToken

        AuthToken.objects.filter(user_id=membership.user_id).delete()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=membership,
        detail={"roles": membership.roles, "is_active": membership.is_active},
    )
    return membership


CLINICIAN_EDITABLE = {"credentials", "license_number", "license_state", "time_zone", "is_active"}


@transaction.atomic
def clinician_update(*, actor: Membership, clinician: Clinician, **changes: Any) -> Clinician:
    # An admin keeps profiles; a clinician may keep their own.
    if not (actor.has_role(roles.ADMIN) or clinician.membership_id == actor.pk):
        raise NotAllowed("You may only change your own clinician profile.")
    for field, value in changes.items():
        if field not in CLINICIAN_EDITABLE:
            raise DomainError("Not editable.", fields={field: ["Not editable."]})
        setattr(clinician, field, value)
    clinician.full_clean()
    clinician.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=clinician, detail={"fields": sorted(changes)})
    return clinician


@transaction.atomic
def supervision_create(
    *, actor: Membership, supervisor: Clinician, supervisee: Clinician, requires_cosign: bool = True
) -> Supervision:
    require_role(actor, {roles.ADMIN})
    if supervisor.pk == supervisee.pk:
        raise DomainError("A clinician cannot supervise themselves.", fields={"supervisee": ["Same as supervisor."]})
    if not supervisor.membership.has_role(roles.SUPERVISOR):
        raise DomainError(
            "The supervisor must hold the supervisor role.",
            fields={"supervisor": ["Does not hold the supervisor role."]},
        )
    try:
        with transaction.atomic():
            supervision = Supervision.objects.create(
                practice=actor.practice, supervisor=supervisor, supervisee=supervisee, requires_cosign=requires_cosign
            )
    except IntegrityError as exc:
        raise Conflict("This supervision already exists.", code="supervision_exists") from exc
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=supervision)
    return supervision


@transaction.atomic
def supervision_end(*, actor: Membership, supervision: Supervision) -> Supervision:
    require_role(actor, {roles.ADMIN})
    if supervision.ended_on is None:
        supervision.ended_on = timezone.localdate()
        supervision.save(update_fields=["ended_on"])
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=supervision, detail={"ended": True})
    return supervision


# --- invitations ----------------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": str(invitation.pk)}, salt=INVITATION_SALT, compress=True)


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, roles_: list[str], full_name: str = "") -> Invitation:
    require_role(actor, {roles.ADMIN})
    if roles.CLIENT in roles_:
        raise DomainError(
            "Clients get portal access from their client record, not a staff invitation.",
            fields={"roles": ["'client' cannot be given by invitation."]},
        )
    email = email.strip().lower()
    if Membership.objects.filter(practice=actor.practice, user__email__iexact=email).exists():
        raise Conflict("This person is already a member of the practice.", code="already_member")
    invitation = Invitation(
        practice=actor.practice, email=email, full_name=full_name, roles=sorted(set(roles_)), invited_by=actor
    )
    invitation.full_clean()
    invitation.save()
    link = f"{settings.PUBLIC_BASE_URL}/accept-invitation?token={invitation_token(invitation)}"
    body = (
        f"{actor.user} invited you to join {actor.practice.name} on Attune.\n\n"
        f"Set your password here (the link works for {settings.INVITATION_MAX_AGE // 86400} days):\n{link}\n"
    )
    transaction.on_commit(lambda: send_mail(f"Your invitation to {actor.practice.name}", body, None, [email]))
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=invitation, detail={"roles": invitation.roles})
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> Membership:
    try:
        payload = signing.loads(token, salt=INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DomainError(
            "This invitation has expired; ask for a new one.", code="token_expired", fields={"token": ["Expired."]}
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(
            "This invitation link is not valid.", code="token_invalid", fields={"token": ["Invalid."]}
        ) from exc
    invitation = Invitation.objects.select_for_update().filter(pk=payload.get("i")).first()
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        raise DomainError("This invitation link is not valid.", code="token_invalid", fields={"token": ["Invalid."]})
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email, full_name=full_name or invitation.full_name)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError("Choose a stronger password.", fields={"password": exc.messages}) from exc
        user.set_password(password)
        user.save()
    elif not user.check_password(password):
        # An existing account joins with its own password; it is never reset through an invitation.
        raise DomainError(
            "You already have an account: enter its password to join.",
            fields={"password": ["Does not match your existing account."]},
        )
    membership, _ = Membership.objects.update_or_create(
        user=user, practice=invitation.practice, defaults={"roles": invitation.roles, "is_active": True}
    )
    _ensure_clinician_profile(membership)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=membership, action=AuditEvent.Action.CREATE, obj=membership, detail={"via": "invitation"})
    return membership


# --- password reset -------------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Sends a reset link if an active account has this email. The caller learns nothing either way."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.PUBLIC_BASE_URL}/reset-password?uid={uid}&token={token}"
    send_mail(
        "Reset your Attune password",
        f"Someone asked to reset the password of this account. If it was you, use this link within "
        f"{settings.PASSWORD_RESET_TIMEOUT // 60} minutes:\n{link}\n\nIf it was not you, ignore this message.",
        None,
        [user.email],
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    invalid = DomainError(
        "This reset link is not valid or has expired.", code="token_invalid", fields={"token": ["Invalid or expired."]}
    )
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise invalid from exc
    if not default_token_generator.check_token(user, token):
        raise invalid
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("Choose a stronger password.", fields={"new_password": exc.messages}) from exc
    user.set_password(new_password)  # changes the hash, so the token cannot be used again
    user.save(update_fields=["password"])
    # A reset ends every session and token: whoever knew the old password is out.
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user).delete()
    return user


# --- Multi-factor authentication (TOTP with single-use recovery codes) -------------------------------------

MFA_ISSUER = "Attune"
MFA_CHALLENGE_SALT = "attune.mfa.challenge"
MFA_CHALLENGE_MAX_AGE = 300  # seconds between the password step and the second factor
MFA_MAX_FAILURES = 5  # wrong codes per user inside MFA_FAILURE_WINDOW before further attempts are refused
MFA_FAILURE_WINDOW = 900
MFA_RECOVERY_CODES = 10


def _mfa_fernet():
    import base64
    import hashlib

    from cryptography.fernet import Fernet

    key = hashlib.sha256(f"attune-mfa-secret:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _recovery_hash(code: str) -> str:
    import hashlib
    import hmac

    normalised = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def mfa_required_for(user: User) -> bool:
    """A second factor is required when the user holds a staff role in a practice that requires it
    (the practice setting `mfa_required`, on unless a practice turns it off)."""
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("practice")
    return any(m.is_staff_member and m.practice.settings.get("mfa_required", True) for m in memberships)


def mfa_challenge_issue(*, user: User) -> str:
    # Bound to the password hash: a password change voids every outstanding challenge.
    return signing.dumps({"u": user.pk, "p": user.password[-16:]}, salt=MFA_CHALLENGE_SALT)


def mfa_challenge_user(*, challenge: str) -> User:
    try:
        data = signing.loads(challenge, salt=MFA_CHALLENGE_SALT, max_age=MFA_CHALLENGE_MAX_AGE)
        user = User.objects.get(pk=data["u"], is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError):
        raise DomainError(
            "This log-in challenge is not valid or has expired. Log in again.",
            code="challenge_invalid",
            fields={"challenge": ["Invalid or expired."]},
        ) from None
    if user.password[-16:] != data.get("p"):
        raise DomainError(
            "This log-in challenge is not valid or has expired. Log in again.",
            code="challenge_invalid",
            fields={"challenge": ["Invalid or expired."]},
        )
    return user


class MfaThrottled(DomainError):
    status_code = 429


def _mfa_throttle_key(user: User) -> str:
    return f"mfa-failures:{user.pk}"


def _mfa_check_not_throttled(user: User) -> None:
    from django.core.cache import cache

    if (cache.get(_mfa_throttle_key(user)) or 0) >= MFA_MAX_FAILURES:
        raise MfaThrottled(
            "Too many wrong codes. Try again later.",
            code="mfa_throttled",
            extra={"retry_after_seconds": MFA_FAILURE_WINDOW},
        )


def _mfa_record_failure(user: User) -> None:
    from django.core.cache import cache

    key = _mfa_throttle_key(user)
    cache.add(key, 0, MFA_FAILURE_WINDOW)  # atomic in Redis: the window starts at the first failure
    cache.incr(key)


def _mfa_new_recovery_codes(device) -> list[str]:
    import secrets

    from practice.models import MfaRecoveryCode

    codes = []
    for _ in range(MFA_RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits, shown as xxxxx-xxxxx
        codes.append(f"{raw[:5]}-{raw[5:]}")
    device.recovery_codes.all().delete()
    MfaRecoveryCode.objects.bulk_create([MfaRecoveryCode(device=device, code_hash=_recovery_hash(c)) for c in codes])
    return codes


@transaction.atomic
def mfa_enrol_begin(*, user: User) -> dict:
    """Start (or restart) enrolment: a new secret and recovery codes, shown once. A confirmed device must be
    disabled first (409)."""
    import pyotp

    from practice.models import MfaDevice

    existing = MfaDevice.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict(
            "A second factor is already set up. Disable it before enrolling a new one.", code="mfa_already_enrolled"
        )
    if existing is not None:
        existing.delete()
    secret = pyotp.random_base32()
    device = MfaDevice.objects.create(user=user, secret_encrypted=_mfa_fernet().encrypt(secret.encode()).decode())
    codes = _mfa_new_recovery_codes(device)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=MFA_ISSUER)
    return {"otpauth_uri": uri, "secret": secret, "recovery_codes": codes}


def _mfa_verify_totp(device, code: str) -> bool:
    import pyotp

    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(_mfa_fernet().decrypt(device.secret_encrypted.encode()).decode())
    current = totp.timecode(timezone.now())
    for drift in (0, -1, 1):  # one step of clock skew either way
        step = current + drift
        if device.last_step is not None and step <= device.last_step:
            continue  # already used (replay) or older than the last accepted code
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            device.last_step = step
            device.save(update_fields=["last_step"])
            return True
    return False


@transaction.atomic
def mfa_verify(*, user: User, code: str = "", recovery_code: str = "") -> str:
    """Check a second factor for `user`: a TOTP code or an unused recovery code (then spent). A valid TOTP
    code confirms an unconfirmed device. Returns "totp" or "recovery_code"; wrong codes count towards a
    per-user limit kept in the shared cache (429 once it is reached)."""
    from practice.models import MfaDevice

    _mfa_check_not_throttled(user)
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise DomainError("No second factor is set up for this account.", code="mfa_not_enrolled")
    if code and _mfa_verify_totp(device, code):
        if device.confirmed_at is None:
            device.confirmed_at = timezone.now()
            device.save(update_fields=["confirmed_at"])
        return "totp"
    if recovery_code and device.confirmed_at is not None:
        spent = device.recovery_codes.filter(code_hash=_recovery_hash(recovery_code), used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if spent:
            return "recovery_code"
    _mfa_record_failure(user)
    raise DomainError(
        "The code is not valid.",
        code="mfa_code_invalid",
        fields={"recovery_code" if recovery_code and not code else "code": ["Invalid code."]},
    )


def mfa_confirm(*, user: User, code: str) -> None:
    from practice.models import MfaDevice

    device = MfaDevice.objects.filter(user=user).first()
    if device is None:
        raise DomainError("Start enrolment first.", code="mfa_not_enrolled")
    if device.confirmed_at is not None:
        raise Conflict("The second factor is already confirmed.", code="mfa_already_enrolled")
    mfa_verify(user=user, code=code)


def mfa_status(*, user: User) -> dict:
    from practice.models import MfaDevice

    device = MfaDevice.objects.filter(user=user).first()
    confirmed = device is not None and device.confirmed_at is not None
    left = device.recovery_codes.filter(used_at__isnull=True).count() if confirmed else 0
    return {"enrolled": confirmed, "required": mfa_required_for(user), "recovery_codes_left": left}


@transaction.atomic
def mfa_disable(*, user: User, code: str = "", recovery_code: str = "") -> None:
    """The user turns their second factor off, proving possession with a code or a recovery code."""
    from practice.models import MfaDevice

    if not MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise DomainError("No second factor is set up for this account.", code="mfa_not_enrolled")
    mfa_verify(user=user, code=code, recovery_code=recovery_code)
    MfaDevice.objects.filter(user=user).delete()


@transaction.atomic
def mfa_reset(*, actor: Membership, membership: Membership) -> None:
    """An admin removes a staff member's second factor (lost phone and codes); they enrol again at next log-in.
    Every token of that user is revoked."""
    from knox.models import AuthToken

    from practice.models import AuditEvent, MfaDevice

    require_role(actor, {roles.ADMIN})
    MfaDevice.objects.filter(user=membership.user).delete()
    AuthToken.objects.filter(user=membership.user).delete()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=membership, detail={"mfa": "reset"})
