"""The risk-flag notification hook.

The flag row itself is the record: it is in the client's clinicians' API
(`GET /api/v1/intake/risk-flags/`) the moment the response is submitted. When the reminders
outbox exists, this hook enqueues a clinician notification there. Whatever it sends must
never carry answers, scores or the flag's wording: "a client's form needs your review" and
a link to the product, nothing more.
"""

from __future__ import annotations

import logging

from intake.models import RiskFlag

logger = logging.getLogger(__name__)


def risk_flag_raised(*, flag_id: int) -> None:
    flag = RiskFlag.objects.filter(pk=flag_id).only("pk", "practice_id").first()
    if flag is None:
        return
    # ids only: no clinical content in logs either
    logger.info("intake risk flag raised id=%s practice=%s", flag.pk, flag.practice_id)
