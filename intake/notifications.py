"""The risk-flag notification hook, called inside the transaction that raises the flag.

The flag row itself is the record: it is in the client's clinicians' API
(`GET /api/v1/intake/risk-flags/`) the moment the response is submitted. This hook also queues one
email per clinician on the client's care team on the reminders outbox (kind `risk_flag_review`,
once per clinician and flag). Its text (intake/messages.py) never carries answers, scores, the
flag's wording or the client's name: "a questionnaire result needs your review in Attune" and a
link to the product, nothing more. An acknowledged flag's notice that has not gone yet is dropped.
"""

from __future__ import annotations

import logging

from intake.models import RiskFlag
from practice.models import Membership
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_staff_message_queue

RISK_FLAG = "intake.riskflag"  # the outbox subject type of a clinician's notice (intake/messages.py sends it)
logger = logging.getLogger(__name__)


def risk_flag_raised(*, flag_id: int) -> int:
    """Queue the clinicians' notices. Returns how many were queued by this call (0 when run again)."""
    flag = RiskFlag.objects.filter(pk=flag_id).only("pk", "practice_id", "client_id").first()
    if flag is None:
        return 0
    members = (
        Membership.objects.select_related("user")
        .filter(
            practice_id=flag.practice_id,
            clinician__care_team_memberships__client_id=flag.client_id,
            clinician__is_active=True,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )
    queued = 0
    for member in members:
        queued += outbox_staff_message_queue(
            practice_id=flag.practice_id,
            recipient=member,
            kind=OutboundMessage.Kind.RISK_FLAG_REVIEW,
            subject_type=RISK_FLAG,
            subject_id=flag.pk,
        )
    # ids only: no clinical content in logs either
    logger.info("intake risk flag raised id=%s practice=%s notices=%s", flag.pk, flag.practice_id, queued)
    return queued
