"""Staff: memberships and their roles, clinician profiles, supervision, and invitations to join."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Clinician, Invitation, Membership, Supervision, User
from practice.services.access import require_role
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_account_message_queue

INVITATION_SALT = "attune.invitation"
INVITATION = "practice.invitation"  # the outbox subject type of a staff invitation (practice/messages.py sends it)


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
        # And no invitation still on its way lets them back in (invitation_accept refuses anyway).
        invitations_revoke_pending(
            actor=actor, practice_id=membership.practice_id, email=membership.user.email, why="revoked"
        )
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


def _pending_invitations(practice_id: int, email: str):
    return Invitation.objects.filter(
        practice_id=practice_id, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    )


def invitations_revoke_pending(*, actor: Membership, practice_id: int, email: str, why: str, by=None) -> int:
    """Revoke every pending invitation of `email` to the practice (audited one by one); how many were."""
    now = timezone.now()
    revoked = 0
    for invitation in _pending_invitations(practice_id, email).select_for_update():
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        detail = {"invitation": why, **({"superseded_by": str(by.pk)} if by is not None else {})}
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=invitation, detail=detail)
        revoked += 1
    return revoked


@transaction.atomic
def invitation_create(*, actor: Membership, email: str, roles_: list[str], full_name: str = "") -> Invitation:
    """Invite a person to the practice's staff. A pending invitation of the same address to this practice is
    superseded (revoked): one link at a time, with the latest roles. The email goes through the outbox."""
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
    invitation.full_clean(validate_constraints=False)  # one pending per address: the database decides, below
    invitations_revoke_pending(actor=actor, practice_id=actor.practice_id, email=email, why="superseded", by=invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:  # another request invited the same address at the same moment
        raise Conflict(
            "Another invitation to this address was just sent. Reload and try again.", code="invitation_conflict"
        ) from exc
    outbox_account_message_queue(
        kind=OutboundMessage.Kind.STAFF_INVITATION,
        practice_id=actor.practice_id,
        subject_type=INVITATION,
        subject_id=invitation.pk,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=invitation, detail={"roles": invitation.roles})
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> Invitation:
    """An admin withdraws a pending invitation: its link stops working (409 if it is no longer pending)."""
    require_role(actor, {roles.ADMIN})
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation is no longer pending.", code="invitation_not_pending")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=invitation, detail={"invitation": "revoked"})
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> Membership:
    """Join the practice through a pending invitation. Never reactivates a membership an admin deactivated (only
    an admin does, through the staff endpoint), and never changes the roles of an existing member."""
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
    existing = Membership.objects.select_for_update().filter(user=user, practice=invitation.practice).first()
    if existing is not None:
        # Deactivated by an admin, or already a member: the invitation gives nothing more. Only an admin
        # reactivates or changes roles.
        raise DomainError("This invitation link is not valid.", code="token_invalid", fields={"token": ["Invalid."]})
    membership = Membership.objects.create(user=user, practice=invitation.practice, roles=invitation.roles)
    _ensure_clinician_profile(membership)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(actor=membership, action=AuditEvent.Action.CREATE, obj=membership, detail={"via": "invitation"})
    return membership
