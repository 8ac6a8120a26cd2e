"""The client's answers: saving a draft, submitting (consents signed, measures scored, risk flags raised), amending.

A client acts either through their portal membership (`actor`) or through a signed link
(`actor=None`, `via_link=True`): the link names one packet and is the only credential then.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from intake import definitions, notifications, scoring
from intake.models import ConsentSignature, Response, RiskFlag, Score
from intake.services import checkins
from intake.services.packets import _packet_refresh
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership


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
    checkins.checkin_require_open(response)
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
        # Never which questions were answered: a conditional question answered gives away the answer
        # that made it appear (practice/audit.py).
        detail={"via": "link" if via_link else "portal"},
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
    checkins.checkin_require_open(response)
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

    result = scoring.score(content, kept)
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
    checkins.checkin_mark_answered(response)
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
    checkins.checkin_require_amendable(response)
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
