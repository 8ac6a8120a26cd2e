"""What a client is told on submitting an answer that raises a safety flag (PHQ-9 item 9 above 0).

The submit path (API and signed link) returns `safety_notice(response)` with the response, and the form page
shows it at once: that their clinician will be told, and where to get help now (the practice's crisis text,
`Practice.settings["crisis_text"]`, or the default for its country: intake/checkin_settings.py). It names no
score, item or flag: the client sees only that someone will follow up and how to get help.
"""

from __future__ import annotations

from intake.checkin_settings import crisis_text
from intake.models import Response, RiskFlag

# Flag codes that call for the safety message. PHQ-9 item 9 (thoughts of death or self-harm) is the one the
# built-ins raise; a practice's own measure gets the message by using this code for its flag rule.
SAFETY_FLAG_CODES = frozenset({"phq9_item9"})
MESSAGE = (
    "Thank you for your answers. Your clinician will be told about them and will follow up with you. "
    "If you need help before then, do not wait:"
)


def safety_notice(response: Response) -> dict | None:
    """{"message", "crisis_text"} when the submitted response raised a safety flag; None otherwise."""
    if not response.is_submitted:
        return None
    if not RiskFlag.objects.filter(response_id=response.pk, code__in=SAFETY_FLAG_CODES).exists():
        return None
    return {"message": MESSAGE, "crisis_text": crisis_text(response.practice)}
