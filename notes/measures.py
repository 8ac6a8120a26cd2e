"""What the notes app makes of intake's measures (alliance check, PHQ-9, GAD-7) and risk flags.

The scores themselves come from `intake.selectors.scores_by_client`, which scopes them to the actor's
caseload and reads many clients in one query (the timeline, session prep and the caseload list must
stay within a fixed number of queries). This module holds the notes-side rules: which measures, the
alliance cutoff and what counts as a falling or low alliance.
"""

from __future__ import annotations

from intake.safety import SAFETY_FLAG_CODES
from intake.selectors import risk_flag_list
from notes.checkins import UNREPAIRED_STRAIN
from practice.models import Membership
from practice.settings_schema import practice_group_setting

ALLIANCE = "session-check-in"
PHQ9 = "phq-9"
GAD7 = "gad-7"
MEASURE_SLUGS = (ALLIANCE, PHQ9, GAD7)
DEFAULT_ALLIANCE_CUTOFF = 36


def alliance_cutoff(practice) -> int:
    return practice_group_setting(practice, "intake", "alliance_cutoff")


def open_risk_flags(*, actor: Membership, client_id: int) -> list[dict]:
    """Unacknowledged risk flags (PHQ-9 item 9, low alliance...) through intake's scoped selector. One query."""

    flags = risk_flag_list(actor=actor).filter(client_id=client_id, acknowledged_at__isnull=True)
    return [
        {"id": f["id"], "code": f["code"], "label": f["label"], "raised_at": f["raised_at"]}
        for f in flags.values("id", "code", "label", "raised_at").order_by("-raised_at")
    ]


SAFETY_REASON = "safety_flag"  # an open PHQ-9 item-9 flag (intake/safety.py)
RISK_REASON = "risk_flag"  # any other unacknowledged risk flag


def open_risk_flags_by_client(*, actor: Membership, client_ids: list[int]) -> dict[int, list[dict]]:
    """Unacknowledged risk flags of many clients through intake's scoped selector, in one query."""

    out: dict[int, list[dict]] = {}
    flags = risk_flag_list(actor=actor).filter(client_id__in=client_ids, acknowledged_at__isnull=True)
    for f in flags.values("id", "client_id", "code", "label", "raised_at").order_by("raised_at", "id"):
        out.setdefault(f["client_id"], []).append({k: v for k, v in f.items() if k != "client_id"})
    return out


def flag_reasons(flags: list[dict]) -> list[str]:
    """The caseload's reason codes for a client's open flags: the safety flag apart from the others."""
    reasons = []
    if any(f["code"] in SAFETY_FLAG_CODES for f in flags):
        reasons.append(SAFETY_REASON)
    if any(f["code"] not in SAFETY_FLAG_CODES for f in flags):
        reasons.append(RISK_REASON)
    return reasons


def alliance_state(scores: list[dict], *, cutoff: int, now) -> dict:
    """Latest alliance total, whether it is under the cutoff, in the last 7 days, and falling."""
    series = [s for s in scores if s["measure"] == ALLIANCE and s["total"] is not None]
    if not series:
        return {"latest": None, "below_cutoff": False, "low_this_week": False, "falling": False}
    latest = series[-1]
    below = latest["total"] < cutoff
    recent = (now - latest["administered_at"]).days < 7
    # Falling: the latest total is below the mean of up to three before it by two points or more.
    previous = [s["total"] for s in series[-4:-1]]
    falling = bool(previous) and latest["total"] <= sum(previous) / len(previous) - 2
    return {
        "latest": latest["total"],
        "latest_at": latest["administered_at"],
        "below_cutoff": below,
        "low_this_week": below and recent,
        "falling": falling,
    }


def reason_words(reasons, c, alliance, cutoff, flags, strains) -> list[str]:
    """Each caseload reason in words, for the page and the API alike."""

    words = []
    for reason in reasons:
        if reason in (SAFETY_REASON, RISK_REASON):
            labels = [f["label"] for f in flags if (f["code"] in SAFETY_FLAG_CODES) == (reason == SAFETY_REASON)]
            if reason == SAFETY_REASON:
                words.append("A safety flag is open (PHQ-9 item 9 answered above 0): follow up promptly.")
            else:
                words.append("An open risk flag is not yet acknowledged: " + "; ".join(labels) + ".")
        elif reason == "open_ruptures":
            n = c["open_ruptures"]
            words.append(f"{n} open rupture{'s' if n != 1 else ''} (highest intensity {c['max_open_intensity']}).")
        elif reason == "alliance_falling":
            words.append(f"The alliance check is falling (latest {alliance['latest']}).")
        elif reason == "alliance_low_this_week":
            words.append(f"This week's alliance check ({alliance['latest']}) is under the cutoff of {cutoff}.")
        elif reason == UNREPAIRED_STRAIN:
            words.append(strains[c["id"]]["reason_text"])
    return words
