"""Writes for intake. Every service re-checks its actor; multi-row writes are atomic.

A client acts either through their portal membership (`actor`) or through a signed link
(`actor=None`, `via_link=True`): the link names one packet and is the only credential then.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.api.exceptions import Conflict, DomainError, InvalidTransition, NotAllowed
from intake import builtins, definitions, invitations, notifications
from intake.models import (
    ConsentSignature,
    FormDefinition,
    FormVersion,
    MeasureSchedule,
    Packet,
    Response,
    RiskFlag,
    Score,
)
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership, Practice
from practice.selectors import acting_clinician, client_list
from practice.services import require_role

if TYPE_CHECKING:
    from reminders.models import OutboundMessage

FORM_EDITORS = {roles.ADMIN, roles.CLINICIAN}
ASSIGNERS = {roles.FRONT_DESK, roles.CLINICIAN}


def _require_client_in_scope(actor: Membership, client: Client) -> None:
    if client.practice_id != actor.practice_id or not client_list(actor=actor).filter(pk=client.pk).exists():
        raise DomainError("Not found.", fields={"client": [f'Invalid pk "{client.pk}" - object does not exist.']})


def _check_content(content: dict, *, kind: str) -> None:
    errors = definitions.validate_definition(content, is_measure=kind == FormDefinition.Kind.MEASURE)
    if errors:
        raise DomainError("The definition is not valid.", code="invalid_definition", fields=errors)


# --- forms and versions --------------------------------------------------------------------------------


@transaction.atomic
def form_create(
    *, actor: Membership, name: str, slug: str, kind: str, content: dict, publish: bool = False
) -> FormDefinition:
    require_role(actor, FORM_EDITORS)
    _check_content(content, kind=kind)
    try:
        with transaction.atomic():
            form = FormDefinition.objects.create(
                practice=actor.practice, name=name, slug=slug, kind=kind, created_by=actor
            )
    except IntegrityError as exc:
        raise Conflict("A form with this slug exists.", code="slug_taken", fields={"slug": ["Already used."]}) from exc
    FormVersion.objects.create(practice=actor.practice, form=form, number=1, content=content, created_by=actor)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=form)
    if publish:
        form_publish(actor=actor, form=form)
    return form


@transaction.atomic
def form_edit(
    *, actor: Membership, form: FormDefinition, content: dict | None = None, name: str | None = None
) -> FormVersion:
    """Change the draft; if the latest version is published, the change opens a new draft version."""
    require_role(actor, FORM_EDITORS)
    form = FormDefinition.objects.select_for_update().get(pk=form.pk)
    if name:
        form.name = name
        form.save(update_fields=["name"])
    draft = form.versions.filter(status=FormVersion.Status.DRAFT).first()
    if content is not None:
        _check_content(content, kind=form.kind)
        if draft is None:
            last = form.versions.order_by("-number").first()
            draft = FormVersion.objects.create(
                practice=form.practice,
                form=form,
                content=content,
                created_by=actor,
                number=(last.number if last else 0) + 1,
            )
        else:
            draft.content = content
            draft.save(update_fields=["content"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=form, detail={"version": draft.number if draft else None}
    )
    return draft or form.latest_published


@transaction.atomic
def form_publish(*, actor: Membership, form: FormDefinition) -> FormVersion:
    require_role(actor, FORM_EDITORS)
    draft = FormVersion.objects.select_for_update().filter(form=form, status=FormVersion.Status.DRAFT).first()
    if draft is None:
        raise InvalidTransition("There is no draft to publish: edit the form first.")
    _check_content(draft.content, kind=form.kind)
    draft.status = FormVersion.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "published_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=form, detail={"published": draft.number})
    return draft


@transaction.atomic
def builtins_seed(*, practice: Practice) -> list[FormDefinition]:
    """Create the built-in forms and measures a practice lacks (by slug), each with a published v1. Idempotent."""
    intake_settings = (practice.settings or {}).get("intake") or {}
    cutoff = int(intake_settings.get("alliance_cutoff", 36))
    created = []
    for spec in builtins.builtin_definitions(alliance_cutoff=cutoff):
        form, was_created = FormDefinition.objects.get_or_create(
            practice=practice, slug=spec["slug"], defaults={"name": spec["name"], "kind": spec["kind"], "builtin": True}
        )
        if was_created:
            _check_content(spec["content"], kind=spec["kind"])
            FormVersion.objects.create(
                practice=practice,
                form=form,
                number=1,
                content=spec["content"],
                status=FormVersion.Status.PUBLISHED,
                published_at=timezone.now(),
            )
            created.append(form)
    return created


# --- packets --------------------------------------------------------------------------------------------


@transaction.atomic
def packet_assign(
    *,
    actor: Membership,
    client: Client,
    forms: Sequence[FormDefinition],
    due_on: dt.date | None = None,
    send_invitation: bool = True,
    schedule: MeasureSchedule | None = None,
) -> Packet:
    """Assign forms to a client: one draft response per form, pinned to its latest published version."""
    require_role(actor, ASSIGNERS)
    _require_client_in_scope(actor, client)
    return _packet_create(
        practice=actor.practice,
        client=client,
        forms=forms,
        due_on=due_on,
        assigned_by=actor,
        send_invitation=send_invitation,
        schedule=schedule,
    )


def _packet_create(
    *,
    practice: Practice,
    client: Client,
    forms: Sequence[FormDefinition],
    due_on,
    assigned_by: Membership | None,
    send_invitation: bool,
    schedule=None,
) -> Packet:
    if not forms:
        raise DomainError("Choose at least one form.", fields={"forms": ["Choose at least one form."]})
    versions = []
    for form in forms:
        if form.practice_id != practice.id:
            raise DomainError("Not found.", fields={"forms": [f'Invalid pk "{form.pk}" - object does not exist.']})
        version = form.latest_published
        if version is None:
            raise DomainError("A form has no published version.", fields={"forms": [f"'{form.slug}' is a draft."]})
        versions.append(version)
    packet = Packet.objects.create(
        practice=practice, client=client, due_on=due_on, assigned_by=assigned_by, schedule=schedule
    )
    Response.objects.bulk_create(
        Response(practice=practice, client=client, packet=packet, version=v, position=i) for i, v in enumerate(versions)
    )
    audit_record(
        actor=assigned_by,
        practice=practice,
        action=AuditEvent.Action.CREATE,
        obj=packet,
        detail={"client": client.pk, "forms": [f.pk for f in forms]},
    )
    if send_invitation:
        from intake.invitations import packet_invitation_send

        packet_invitation_send(packet_id=packet.pk)  # an outbox row, in this transaction
    return packet


def _packet_refresh(packet: Packet) -> None:
    originals = packet.responses.filter(amends__isnull=True)
    statuses = list(originals.values_list("status", "started_at"))
    if statuses and all(s == Response.Status.SUBMITTED for s, _ in statuses):
        status, completed_at = Packet.Status.COMPLETED, timezone.now()
    elif any(s == Response.Status.SUBMITTED or started for s, started in statuses):
        status, completed_at = Packet.Status.IN_PROGRESS, None
    else:
        status, completed_at = Packet.Status.SENT, None
    if packet.status != status:
        packet.status = status
        packet.completed_at = completed_at
        packet.save(update_fields=["status", "completed_at"])


# --- links and invitations ----------------------------------------------------------------------------


class ResendTooSoon(DomainError):
    status_code = 429
    code = "resend_too_soon"


def _packet_lock_for_staff(actor: Membership, packet: Packet) -> Packet:
    """The packet, locked (resends and revocations of one packet run one at a time), after the actor's checks:
    an assigner (front desk, or a clinician for their caseload, as for assigning). A packet deleted since the
    caller found it is a 409."""
    require_role(actor, ASSIGNERS)
    locked = (
        Packet.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(pk=packet.pk, practice=actor.practice)
        .first()
    )
    if locked is None:
        raise Conflict("This packet no longer exists.", code="packet_deleted")
    _require_client_in_scope(actor, locked.client)
    return locked


def _link_rotate(packet: Packet) -> None:
    packet.link_nonce = invitations.link_nonce_new()
    packet.save(update_fields=["link_nonce"])


@transaction.atomic
def packet_link_revoke(*, actor: Membership, packet: Packet) -> Packet:
    """Revoke every link to the packet already sent: a new nonce, so an old link opens nothing (the link
    endpoints answer 404, exactly as for an expired or forged link). The packet itself stays assigned: the next
    message about it (a resend, a nudge, an invitation still queued) is rendered at send time with the new link.
    A completed packet may be revoked too: its link still opens the submitted answers, read-only."""
    packet = _packet_lock_for_staff(actor, packet)
    _link_rotate(packet)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=packet, detail={"link": "revoked"})
    return packet


@transaction.atomic
def packet_invitation_resend(*, actor: Membership, packet: Packet, revoke_previous: bool = True) -> OutboundMessage:
    """Send the invitation again: one more outbox row (kind `intake_invitation_resend`), rendered at send time
    with the packet's current link. With `revoke_previous` the links already sent stop working first.

    Refused (409) for a completed packet (`packet_completed`), a client without an email address
    (`no_email_address`) or inactive (`client_inactive`), and while an invitation to the packet is still on its
    way (`invitation_queued`; a database constraint backs this against concurrent requests). At most one per
    `INTAKE_RESEND_MIN_INTERVAL` seconds per packet, counted from the last invitation queued, first or again
    (429 `resend_too_soon` with `retry_after_seconds`). Returns the new outbox row."""
    from reminders import subjects
    from reminders.models import OutboundMessage
    from reminders.services import outbox_client_message_queue_again

    packet = _packet_lock_for_staff(actor, packet)
    if packet.status == Packet.Status.COMPLETED:
        raise Conflict("This packet is completed: there is nothing left to fill in.", code="packet_completed")
    problem = subjects.client_problem(packet.client)
    if problem == "no_email_address":
        raise Conflict("The client has no email address. Add one, then send the invitation.", code=problem)
    if problem:
        raise Conflict("The client is not active.", code=problem)

    St = OutboundMessage.Status
    now = timezone.now()
    last = (
        OutboundMessage.objects.filter(
            client_id=packet.client_id,
            subject_type=subjects.PACKET,
            subject_id=str(packet.pk),
            kind__in=subjects.INVITATION_KINDS,
            status__in=(St.PENDING, St.CLAIMED, St.SENT),  # a skipped, cancelled or failed one reached nobody
        )
        .order_by("-created_at")
        .first()
    )
    if last is not None and last.status != St.SENT:
        raise Conflict("An invitation to this packet is already on its way.", code="invitation_queued")
    interval = invitations.resend_min_interval()
    if last is not None and (elapsed := (now - last.created_at).total_seconds()) < interval:
        raise ResendTooSoon(
            "An invitation to this packet went out only minutes ago. Try again later.",
            extra={"retry_after_seconds": max(1, math.ceil(interval - elapsed))},
        )
    if revoke_previous:
        _link_rotate(packet)
    message = outbox_client_message_queue_again(
        practice_id=packet.practice_id,
        client=packet.client,
        kind=OutboundMessage.Kind.INTAKE_INVITATION_RESEND,
        subject_type=subjects.PACKET,
        subject_id=packet.pk,
        now=now,
    )
    if message is None:  # another request queued one since the check above (the constraint said so)
        raise Conflict("An invitation to this packet is already on its way.", code="invitation_queued")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=packet,
        detail={"invitation": "resent", "message": message.pk, "link": "revoked" if revoke_previous else "kept"},
    )
    return message


# --- responses -------------------------------------------------------------------------------------------


def _require_client_writer(actor: Membership | None, response: Response, via_link: bool) -> None:
    if via_link:
        return  # the signed link naming this packet was checked by the caller
    if actor is None or not actor.has_role(roles.CLIENT) or response.client.portal_membership_id != actor.pk:
        raise NotAllowed("Only the client answers their own forms.")


def _audit_client_write(*, actor, response: Response, action: str, detail: dict) -> None:
    portal = response.client.portal_membership
    audit_record(
        actor=actor,
        practice=response.practice,
        user=None if actor else (portal.user if portal else None),
        action=action,
        obj=response,
        detail=detail,
    )


def packet_link_read_audit(*, packet: Packet) -> None:
    """Opening a packet through its signed link reads the client's answers: audit it like any read,
    as the client (the link is theirs), with the packet as the object."""
    portal = packet.client.portal_membership
    audit_record(
        actor=None,
        practice=packet.practice,
        user=portal.user if portal else None,
        action=AuditEvent.Action.READ,
        obj=packet,
        detail={"via": "signed_link"},
    )


@transaction.atomic
def response_save_draft(
    *, response: Response, answers: dict, actor: Membership | None = None, via_link: bool = False
) -> Response:
    """Merge `answers` into the draft (an empty value clears one). Each answer is checked for its type."""
    _require_client_writer(actor, response, via_link)
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("version", "packet", "client")
        .get(pk=response.pk)
    )
    if response.is_submitted:
        raise Conflict(
            "This form was submitted and can no longer change. Ask to amend it instead.", code="already_submitted"
        )
    errors = definitions.check_draft(response.version.content, answers)
    if errors:
        raise DomainError("Some answers are not valid.", fields=errors)
    response.answers = definitions.clean_draft({**(response.answers or {}), **answers})
    response.started_at = response.started_at or timezone.now()
    response.save(update_fields=["answers", "started_at", "updated_at"])
    if response.packet_id:
        _packet_refresh(response.packet)
    _audit_client_write(
        actor=actor,
        response=response,
        action=AuditEvent.Action.UPDATE,
        detail={"questions": sorted(answers), "via": "link" if via_link else "portal"},
    )
    return response


@transaction.atomic
def response_submit(
    *,
    response: Response,
    actor: Membership | None = None,
    via_link: bool = False,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Response:
    """Submit once: every required and conditional rule is checked; consents are signed; measures scored."""
    _require_client_writer(actor, response, via_link)
    response = (
        Response.objects.select_for_update(of=("self",))
        .select_related("version__form", "packet", "client")
        .get(pk=response.pk)
    )
    if response.is_submitted:
        raise Conflict("This form was already submitted.", code="already_submitted")
    content = response.version.content
    kept, errors = definitions.check_submission(content, response.answers or {})
    if errors:
        raise DomainError("Some questions need an answer or a correction.", code="incomplete", fields=errors)
    now = timezone.now()
    response.answers = kept
    response.status = Response.Status.SUBMITTED
    response.submitted_at = now
    response.started_at = response.started_at or now
    response.save(update_fields=["answers", "status", "submitted_at", "started_at", "updated_at"])

    for q in definitions.questions(content):
        if q["type"] == "consent" and q["id"] in kept:
            ConsentSignature.objects.create(
                practice=response.practice,
                client=response.client,
                response=response,
                version=response.version,
                question_id=q["id"],
                signed_name=kept[q["id"]].strip(),
                signed_at=now,
                ip_address=ip_address,
                user_agent=(user_agent or "")[:500],
                document_sha256=definitions.consent_text_sha256(q["text"]),
            )

    result = definitions.score(content, kept)
    if result is not None:
        score = Score.objects.create(
            practice=response.practice,
            client=response.client,
            form=response.version.form,
            response=response,
            total=result["total"],
            subscales=result["subscales"],
            band=result["band"] or "",
            administered_at=now,
        )
        for flag in result["flags"]:
            raised = RiskFlag.objects.create(
                practice=response.practice,
                client=response.client,
                response=response,
                score=score,
                code=flag["code"],
                label=flag["label"],
                raised_at=now,
            )
            notifications.risk_flag_raised(flag_id=raised.pk)  # outbox rows, in this transaction

    if response.packet_id:
        _packet_refresh(response.packet)
    _audit_client_write(
        actor=actor, response=response, action=AuditEvent.Action.SIGN, detail={"via": "link" if via_link else "portal"}
    )
    return response


@transaction.atomic
def response_amend(*, actor: Membership, response: Response) -> Response:
    """A correction of a submitted response: a new draft (same version, answers copied) linked to the first."""
    _require_client_writer(actor, response, via_link=False)
    response = Response.objects.select_for_update(of=("self",)).select_related("client").get(pk=response.pk)
    if not response.is_submitted:
        raise InvalidTransition("Only a submitted form can be amended; a draft can simply be changed.")
    open_amendment = response.amendments.filter(status=Response.Status.DRAFT).first()
    if open_amendment is not None:
        return open_amendment
    amended = Response.objects.create(
        practice=response.practice,
        client=response.client,
        packet=response.packet,
        version=response.version,
        position=response.position,
        answers=dict(response.answers or {}),
        amends=response,
        started_at=timezone.now(),
    )
    _audit_client_write(actor=actor, response=amended, action=AuditEvent.Action.CREATE, detail={"amends": response.pk})
    return amended


# --- risk flags -----------------------------------------------------------------------------------------


@transaction.atomic
def risk_flag_acknowledge(*, actor: Membership, flag: RiskFlag, note: str) -> RiskFlag:
    require_role(actor, {roles.CLINICIAN})
    clinician = acting_clinician(actor)
    if clinician is None:
        raise NotAllowed("Only a clinician acknowledges a risk flag.")
    if not note or not note.strip():
        raise DomainError("Say what you did.", fields={"note": ["A note is required."]})
    flag = RiskFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.acknowledged_at is not None:
        raise InvalidTransition("This flag was already acknowledged.")
    flag.acknowledged_by = clinician
    flag.acknowledged_at = timezone.now()
    flag.acknowledgement_note = note.strip()
    flag.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=flag, detail={"acknowledged": True})
    return flag


# --- measure schedules ----------------------------------------------------------------------------------


@transaction.atomic
def schedule_create(
    *, actor: Membership, client: Client, form: FormDefinition, interval_days: int, first_due_on: dt.date
) -> MeasureSchedule:
    require_role(actor, ASSIGNERS)
    _require_client_in_scope(actor, client)
    if form.practice_id != actor.practice_id:
        raise DomainError("Not found.", fields={"form": [f'Invalid pk "{form.pk}" - object does not exist.']})
    if form.kind != FormDefinition.Kind.MEASURE:
        raise DomainError("Only measures are scheduled.", fields={"form": ["Not a measure."]})
    schedule = MeasureSchedule.objects.create(
        practice=actor.practice,
        client=client,
        form=form,
        interval_days=interval_days,
        next_due_on=first_due_on,
        created_by=actor,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=schedule, detail={"client": client.pk})
    return schedule


@transaction.atomic
def schedule_end(*, actor: Membership, schedule: MeasureSchedule) -> MeasureSchedule:
    require_role(actor, ASSIGNERS)
    schedule.is_active = False
    schedule.save(update_fields=["is_active"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=schedule, detail={"is_active": False})
    return schedule


def schedules_run(*, today: dt.date | None = None) -> int:
    """Send every due administration once. Safe to run twice: a schedule is claimed by moving its date on."""
    today = today or timezone.localdate()
    sent = 0
    due_ids = list(MeasureSchedule.objects.filter(is_active=True, next_due_on__lte=today).values_list("pk", flat=True))
    for schedule_id in due_ids:
        with transaction.atomic():
            schedule = (
                MeasureSchedule.objects.select_for_update(skip_locked=True)
                .select_related("client", "form", "practice")
                .filter(pk=schedule_id, is_active=True, next_due_on__lte=today)
                .first()
            )
            if schedule is None:
                continue
            _packet_create(
                practice=schedule.practice,
                client=schedule.client,
                forms=[schedule.form],
                due_on=schedule.next_due_on,
                assigned_by=schedule.created_by,
                send_invitation=True,
                schedule=schedule,
            )
            while schedule.next_due_on <= today:
                schedule.next_due_on += dt.timedelta(days=schedule.interval_days)
            schedule.save(update_fields=["next_due_on"])
            sent += 1
    return sent
