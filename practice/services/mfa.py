"""Multi-factor authentication (TOTP with single-use recovery codes): enrolment, verification, the log-in
challenge, the per-user failure limit, and an admin's reset."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, MfaDevice, MfaRecoveryCode, TokenSecondFactor, User
from practice.services.access import require_role
from practice.services.second_factor import membership_requires_second_factor

MFA_ISSUER = "Attune"
MFA_CHALLENGE_SALT = "attune.mfa.challenge"
MFA_CHALLENGE_MAX_AGE = 300  # seconds between the password step and the second factor
MFA_MAX_FAILURES = 5  # wrong codes per user inside MFA_FAILURE_WINDOW before further attempts are refused
MFA_FAILURE_WINDOW = 900
MFA_RECOVERY_CODES = 10


def _mfa_fernet():
    """MultiFernet over `settings.MFA_ENCRYPTION_KEYS` (from the environment, newest first): the first key
    encrypts, every key decrypts, so a new key goes first, `manage.py mfa_rotate_keys` re-encrypts, then the
    old key goes. Never derived from SECRET_KEY: the Django secret and the second factors stay independent."""
    return mfa_fernet_for(tuple(getattr(settings, "MFA_ENCRYPTION_KEYS", None) or ()))


@functools.lru_cache(maxsize=8)
def mfa_fernet_for(keys: tuple[str, ...]):
    from cryptography.fernet import Fernet, MultiFernet
    from django.core.exceptions import ImproperlyConfigured

    if not keys:
        raise ImproperlyConfigured("Set MFA_ENCRYPTION_KEYS (a comma-separated list of Fernet keys, newest first).")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from exc


def mfa_secret_encrypt(secret: str) -> str:
    return _mfa_fernet().encrypt(secret.encode()).decode()


def mfa_secret_decrypt(token: str) -> str:
    return _mfa_fernet().decrypt(token.encode()).decode()


def _recovery_hash(code: str) -> str:
    import hashlib
    import hmac

    normalised = code.replace("-", "").replace(" ", "").lower()
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def mfa_required_for(user: User) -> bool:
    """A second factor is required when the user holds a staff role in a practice that requires it
    (the practice setting `mfa_required`, on unless a practice turns it off)."""

    memberships = Membership.objects.filter(user=user, is_active=True).select_related("practice")
    return any(membership_requires_second_factor(m) for m in memberships)  # the same rule as on every request


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

    existing = MfaDevice.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.confirmed_at is not None:
        raise Conflict(
            "A second factor is already set up. Disable it before enrolling a new one.", code="mfa_already_enrolled"
        )
    if existing is not None:
        existing.delete()
    secret = pyotp.random_base32()
    device = MfaDevice.objects.create(user=user, secret_encrypted=mfa_secret_encrypt(secret))
    codes = _mfa_new_recovery_codes(device)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=MFA_ISSUER)
    return {"otpauth_uri": uri, "secret": secret, "recovery_codes": codes}


def _mfa_verify_totp(device, code: str) -> bool:
    import pyotp

    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(mfa_secret_decrypt(device.secret_encrypted))
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


def mfa_confirm(*, user: User, code: str) -> str:

    device = MfaDevice.objects.filter(user=user).first()
    if device is None:
        raise DomainError("Start enrolment first.", code="mfa_not_enrolled")
    if device.confirmed_at is not None:
        raise Conflict("The second factor is already confirmed.", code="mfa_already_enrolled")
    return mfa_verify(user=user, code=code)


def mfa_status(*, user: User) -> dict:

    device = MfaDevice.objects.filter(user=user).first()
    confirmed = device is not None and device.confirmed_at is not None
    left = device.recovery_codes.filter(used_at__isnull=True).count() if confirmed else 0
    return {"enrolled": confirmed, "required": mfa_required_for(user), "recovery_codes_left": left}


@transaction.atomic
def mfa_disable(*, user: User, code: str = "", recovery_code: str = "") -> None:
    """The user turns their second factor off, proving possession with a code or a recovery code."""

    if not MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
        raise DomainError("No second factor is set up for this account.", code="mfa_not_enrolled")
    mfa_verify(user=user, code=code, recovery_code=recovery_code)
    MfaDevice.objects.filter(user=user).delete()
    # Without a device no log-in of this user carries a second factor any more.
    TokenSecondFactor.objects.filter(token__user=user).delete()


@transaction.atomic
def mfa_reset(*, actor: Membership, membership: Membership) -> None:
    """An admin removes a staff member's second factor (lost phone and codes); they enrol again at next log-in.
    Every token of that user is revoked."""
    from knox.models import AuthToken

    require_role(actor, {roles.ADMIN})
    MfaDevice.objects.filter(user=membership.user).delete()
    AuthToken.objects.filter(user=membership.user).delete()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=membership, detail={"mfa": "reset"})


def mfa_pending_uri(*, user: User) -> str | None:
    """The otpauth URI of a started, unconfirmed enrolment (to show its QR code again), else None.
    A confirmed device's secret is never shown again."""
    import pyotp

    device = MfaDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        return None
    secret = mfa_secret_decrypt(device.secret_encrypted)
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=MFA_ISSUER)
