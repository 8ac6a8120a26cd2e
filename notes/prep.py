"""Before the session and across the caseload: session prep for one client, and the caseload's clients needing
attention first. Read through the scoped selectors (notes/selectors.py, intake's); audited by notes/reads.py.

Session prep decrypts only what it shows: the last signed note's content (for its plan), and the open ruptures'
free text only when the caller shows it (the API does; the page shows family, markers and strategies).
"""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from intake.selectors import scores_by_client
from notes import checkins as relational
from notes import measures
from notes.models import ProgressNote, RuptureEvent
from notes.selectors import LOCKED, open_ruptures, progress_note_list
from practice.models import Client, Membership
from practice.selectors import acting_clinician

RUPTURE_FREE_TEXT = ("therapist_contribution", "client_response", "closed_reason")
NOTE_UNSHOWN = ("risk_rationale", "cosign_comment")  # encrypted fields session prep never shows


def session_prep(*, actor: Membership, client: Client, free_text: bool = True) -> dict:
    """What to hold in mind before the next session: last plan, open ruptures, latest measures, risk flags.

    `free_text=False` leaves the open ruptures' free text encrypted and unread (a caller that does not show it)."""
    last = (
        progress_note_list(actor=actor)
        .filter(client=client, status__in=LOCKED)
        .select_related(None)
        .select_related("template")
        .defer(*NOTE_UNSHOWN)
        .order_by("-session_at", "-id")
        .first()
    )
    carried = open_ruptures(actor=actor, client=client).defer(*(f"note__{f}" for f in ("content", *NOTE_UNSHOWN)))
    ruptures = list(carried if free_text else carried.defer(*RUPTURE_FREE_TEXT))
    scores = scores_by_client(actor=actor, client_ids=[client.pk], form_slugs=measures.MEASURE_SLUGS).get(client.pk, [])
    latest: dict[str, dict] = {}
    for score in scores:
        latest[score["measure"]] = score
    cutoff = measures.alliance_cutoff(actor.practice)
    return {
        "client": client.pk,
        "latest_checkin": relational.prep_latest_checkin(actor=actor, client=client),  # the client's words first
        "last_note": last,
        "open_ruptures": ruptures,
        "latest_measures": list(latest.values()),
        "alliance": measures.alliance_state(scores, cutoff=cutoff, now=timezone.now()),
        "alliance_cutoff": cutoff,
        "risk_flags": measures.open_risk_flags(actor=actor, client_id=client.pk),
    }


def caseload_attention(*, actor: Membership) -> list[dict]:
    """The actor's own clients needing attention first: open ruptures, a falling or low alliance score."""
    clinician = acting_clinician(actor)
    if clinician is None:
        return []
    open_count = (
        RuptureEvent.objects.filter(client=OuterRef("pk"), resolved_at__isnull=True, note__status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(n=Count("id"))
        .values("n")
    )
    max_intensity = (
        RuptureEvent.objects.filter(client=OuterRef("pk"), resolved_at__isnull=True, note__status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(m=Max("intensity"))
        .values("m")
    )
    last_session = (
        ProgressNote.objects.filter(client=OuterRef("pk"), status__in=LOCKED)
        .order_by()
        .values("client")
        .annotate(m=Max("session_at"))
        .values("m")
    )
    clients = list(
        Client.objects.filter(practice=actor.practice, care_team__clinician=clinician, is_active=True)
        .annotate(
            open_ruptures=Coalesce(Subquery(open_count), 0),
            max_open_intensity=Subquery(max_intensity),
            last_session_at=Subquery(last_session),
        )
        .values(
            "id", "first_name", "preferred_name", "last_name", "open_ruptures", "max_open_intensity", "last_session_at"
        )
    )
    scores = scores_by_client(actor=actor, client_ids=[c["id"] for c in clients], form_slugs=measures.MEASURE_SLUGS)
    cutoff = measures.alliance_cutoff(actor.practice)
    now = timezone.now()
    strains = relational.caseload_checkin_attention(actor=actor, client_ids=[c["id"] for c in clients])
    flags = measures.open_risk_flags_by_client(actor=actor, client_ids=[c["id"] for c in clients])
    out = []
    for c in clients:
        alliance = measures.alliance_state(scores.get(c["id"], []), cutoff=cutoff, now=now)
        reasons = [code for code in measures.flag_reasons(flags.get(c["id"], []))]
        if c["open_ruptures"]:
            reasons.append("open_ruptures")
        if alliance["falling"]:
            reasons.append("alliance_falling")
        if alliance["low_this_week"]:
            reasons.append("alliance_low_this_week")
        if c["id"] in strains:
            reasons.append(relational.UNREPAIRED_STRAIN)
        if reasons:
            out.append(
                {
                    "client": c["id"],
                    "name": f"{c['preferred_name'] or c['first_name']} {c['last_name']}",
                    "reasons": reasons,
                    "open_ruptures": c["open_ruptures"],
                    "max_open_intensity": c["max_open_intensity"],
                    "last_session_at": c["last_session_at"],
                    "alliance": alliance,
                    "checkin": strains.get(c["id"]),
                    "risk_flags": flags.get(c["id"], []),
                    "reason_text": measures.reason_words(reasons, c, alliance, cutoff, flags.get(c["id"], []), strains),
                }
            )
    # A safety flag (PHQ-9 item 9) first whatever else, then any open risk flag, then the count of reasons.
    out.sort(
        key=lambda row: (
            measures.SAFETY_REASON not in row["reasons"],
            measures.RISK_REASON not in row["reasons"],
            -len(row["reasons"]),
            -(row["max_open_intensity"] or 0),
            -row["open_ruptures"],
        )
    )
    return out
