"""Reads of notes, always scoped by the acting membership (ACCESS.md).

- progress notes: the author always; other clinicians on the client's care team and the author's
  supervisors once the note is signed (a draft is not yet part of the record). Admin, front desk
  and clients: nothing, ever.
- psychotherapy notes: the author alone. No selector here returns them to anyone else, and the
  timeline, session prep and caseload reads never touch them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from intake.selectors import scores_by_client
from notes import checkins as relational
from notes import measures
from notes.models import (
    Addendum,
    NoteTemplate,
    OverdueNoteAlert,
    ProgressNote,
    PsychotherapyNote,
    RepairStrategy,
    RuptureEvent,
    RuptureFollowUp,
    RuptureMarker,
)
from practice import roles
from practice.models import CareTeamMember, Client, Membership
from practice.selectors import acting_clinician, caseload_q, supervisee_ids

LOCKED = ProgressNote.LOCKED


def appointment_has_signed_note(*, appointment_id: int) -> bool:
    """For scheduling: an appointment whose note is signed must not move (the record says when it was)."""
    return ProgressNote.objects.filter(appointment_id=appointment_id, status__in=LOCKED).exists()


# --- taxonomy -------------------------------------------------------------------------------------


def _taxonomy_readers(actor: Membership) -> bool:
    return actor.has_role(roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR)


def rupture_marker_list(*, actor: Membership) -> QuerySet[RuptureMarker]:
    if not _taxonomy_readers(actor):
        return RuptureMarker.objects.none()
    return RuptureMarker.objects.filter(practice=actor.practice)


def repair_strategy_list(*, actor: Membership) -> QuerySet[RepairStrategy]:
    if not _taxonomy_readers(actor):
        return RepairStrategy.objects.none()
    return RepairStrategy.objects.filter(practice=actor.practice)


def note_template_list(*, actor: Membership) -> QuerySet[NoteTemplate]:
    if not _taxonomy_readers(actor):
        return NoteTemplate.objects.none()
    return NoteTemplate.objects.filter(practice=actor.practice)


# --- progress notes -------------------------------------------------------------------------------


def progress_note_list(*, actor: Membership) -> QuerySet[ProgressNote]:
    """Notes the actor may read, decided per note.

    - a clinician reads notes about the clients they serve now (on the care team): their own drafts, and
      every signed note; off the care team, nothing, their own notes included;
    - a supervisor also reads a signed note when its author is a current supervisee AND the author still
      serves that client: another supervisee serving the same client does not carry the note along.
    """
    clinician = acting_clinician(actor)
    if clinician is None:
        return ProgressNote.objects.none()
    serves = CareTeamMember.objects.filter(client_id=OuterRef("client_id"), clinician=clinician)
    scope = Q(reader_serves=True) & (Q(author=clinician) | Q(status__in=LOCKED))
    qs = ProgressNote.objects.filter(practice=actor.practice).alias(reader_serves=Exists(serves))
    supervised = supervisee_ids(actor)
    if supervised:
        author_serves = CareTeamMember.objects.filter(
            client_id=OuterRef("client_id"), clinician_id=OuterRef("author_id")
        )
        qs = qs.alias(author_serves=Exists(author_serves))
        scope |= Q(author_id__in=supervised, author_serves=True, status__in=LOCKED)
    return qs.filter(scope).select_related("template", "client", "author__membership__user")


def progress_note_detail_queryset(*, actor: Membership) -> QuerySet[ProgressNote]:
    """The scoped list plus what one note's page shows: ruptures, follow-ups and addenda."""
    from django.db.models import Prefetch

    return (
        progress_note_list(actor=actor)
        .select_related("signed_by__membership__user", "cosigned_by__membership__user")
        .prefetch_related(
            Prefetch("ruptures", queryset=RuptureEvent.objects.prefetch_related("markers", "strategies")),
            Prefetch("follow_ups", queryset=RuptureFollowUp.objects.prefetch_related("strategies")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author__membership__user")),
        )
    )


def note_integrity_ok(*, note: ProgressNote) -> bool:
    """Recompute the signed note's SHA-256: True when the stored content is what was signed."""
    from notes.integrity import content_hash, note_hash_payload

    return bool(note.content_hash) and content_hash(note_hash_payload(note)) == note.content_hash


def rupture_list(*, actor: Membership) -> QuerySet[RuptureEvent]:
    """Ruptures of signed notes the actor may read."""
    notes = progress_note_list(actor=actor).filter(status__in=LOCKED).values("id")
    return RuptureEvent.objects.filter(practice=actor.practice, note_id__in=notes)


def overdue_alert_list(*, actor: Membership) -> QuerySet[OverdueNoteAlert]:
    """The author's own alerts about notes still unsigned."""
    clinician = acting_clinician(actor)
    if clinician is None:
        return OverdueNoteAlert.objects.none()
    return (
        # Only while the author still serves the client: off the care team the note is no longer theirs to read.
        OverdueNoteAlert.objects.filter(
            practice=actor.practice, author=clinician, note__client__care_team__clinician=clinician
        )
        .select_related("note__client")
        .order_by("-created_at")
    )


def overdue_counts(*, actor: Membership) -> list[dict]:
    """Counts only: per clinician for an admin, the actor's own count for a clinician. No note content."""
    base = OverdueNoteAlert.objects.filter(practice=actor.practice, note__status=ProgressNote.Status.DRAFT)
    if not actor.has_role(roles.ADMIN):
        clinician = acting_clinician(actor)
        base = base.filter(author=clinician) if clinician else base.none()
    rows = base.values("author_id", "author__membership__user__full_name").annotate(overdue=Count("id"))
    return [
        {
            "clinician": r["author_id"],
            "clinician_name": r["author__membership__user__full_name"],
            "overdue": r["overdue"],
        }
        for r in rows.order_by("author_id")
    ]


# --- psychotherapy notes --------------------------------------------------------------------------


def psychotherapy_note_list(*, actor: Membership) -> QuerySet[PsychotherapyNote]:
    clinician = acting_clinician(actor)
    if clinician is None:
        return PsychotherapyNote.objects.none()
    # The author alone, and only while they serve the client (care team unique per pair: no duplicates).
    return PsychotherapyNote.objects.filter(
        practice=actor.practice, author=clinician, client__care_team__clinician=clinician
    ).select_related("client")


# --- the relational timeline ----------------------------------------------------------------------


def clinical_client_list(*, actor: Membership) -> QuerySet[Client]:
    """Clients whose relational record the actor may read: their caseload (and supervisees')."""
    clinical = caseload_q(actor)
    if clinical is None:
        return Client.objects.none()
    return Client.objects.filter(practice=actor.practice).filter(clinical).distinct()


def _taxonomy_maps(practice_id: int) -> tuple[dict, dict]:
    markers = {
        m["id"]: m
        for m in RuptureMarker.objects.filter(practice_id=practice_id).values("id", "code", "label", "family")
    }
    strategies = {
        s["id"]: s
        for s in RepairStrategy.objects.filter(practice_id=practice_id).values("id", "code", "label", "approach")
    }
    return markers, strategies


def _rupture_rows(rupture_qs, markers: dict, strategies: dict) -> list[dict]:
    """Structured rupture data (no free text) with marker and strategy codes, in three queries."""
    rows = list(
        rupture_qs.values(
            "id",
            "note_id",
            "note__session_at",
            "minute",
            "family",
            "intensity",
            "outcome",
            "resolved_at",
            "resolved_in_note_id",
            "closed_by_id",
        )
    )
    ids = [r["id"] for r in rows]
    by_rupture_markers: dict[int, list] = defaultdict(list)
    for rid, mid in RuptureEvent.markers.through.objects.filter(ruptureevent_id__in=ids).values_list(
        "ruptureevent_id", "rupturemarker_id"
    ):
        by_rupture_markers[rid].append(markers[mid]["code"])
    by_rupture_strategies: dict[int, list] = defaultdict(list)
    for rid, sid in RuptureEvent.strategies.through.objects.filter(ruptureevent_id__in=ids).values_list(
        "ruptureevent_id", "repairstrategy_id"
    ):
        by_rupture_strategies[rid].append(strategies[sid]["code"])
    for r in rows:
        r["markers"] = sorted(by_rupture_markers[r["id"]])
        r["strategies"] = sorted(by_rupture_strategies[r["id"]])
        r["session_at"] = r.pop("note__session_at")
        r["is_open"] = r["resolved_at"] is None
        r["closed"] = r.pop("closed_by_id") is not None
    return rows


def _follow_up_rows(follow_up_qs, strategies: dict) -> list[dict]:
    rows = list(follow_up_qs.values("id", "note_id", "rupture_id", "outcome"))
    ids = [r["id"] for r in rows]
    by_follow_up: dict[int, list] = defaultdict(list)
    for fid, sid in RuptureFollowUp.strategies.through.objects.filter(rupturefollowup_id__in=ids).values_list(
        "rupturefollowup_id", "repairstrategy_id"
    ):
        by_follow_up[fid].append(strategies[sid]["code"])
    for r in rows:
        r["strategies"] = sorted(by_follow_up[r["id"]])
    return rows


def _attach_scores(sessions: list[dict], scores: list[dict]) -> list[dict]:
    """Each score goes to the latest session that began no more than 6 h after it was given."""
    unattached = []
    starts = [s["session_at"] for s in sessions]
    for score in scores:
        index = None
        for i, start in enumerate(starts):
            if start <= score["administered_at"] + timedelta(hours=6):
                index = i
        if index is None:
            unattached.append(score)
        else:
            sessions[index]["measures"].append(score)
    return unattached


def client_timeline(*, actor: Membership, client: Client) -> dict:
    """Session by session, the relationship: ruptures, repairs, outcomes, measures; and the summary.

    A fixed number of queries whatever the number of notes (the caller has scoped `client`).
    """
    notes_qs = progress_note_list(actor=actor).filter(client=client, status__in=LOCKED)
    notes = list(
        notes_qs.order_by("session_at", "id").values(
            "id", "session_at", "status", "template__code", "risk_level", "appointment_id", "author_id"
        )
    )
    note_ids = [n["id"] for n in notes]
    markers, strategies = _taxonomy_maps(actor.practice_id)
    ruptures = _rupture_rows(
        RuptureEvent.objects.filter(note_id__in=note_ids).order_by("note_id", "position"), markers, strategies
    )
    follow_ups = _follow_up_rows(RuptureFollowUp.objects.filter(note_id__in=note_ids), strategies)
    scores = scores_by_client(actor=actor, client_ids=[client.pk], form_slugs=measures.MEASURE_SLUGS).get(client.pk, [])
    cutoff = measures.alliance_cutoff(actor.practice)
    for score in scores:
        score["below_cutoff"] = (
            score["measure"] == measures.ALLIANCE and score["total"] is not None and score["total"] < cutoff
        )

    for n in notes:
        n["template"] = n.pop("template__code")
    sessions = {n["id"]: {**n, "ruptures": [], "follow_ups": [], "measures": []} for n in notes}
    for r in ruptures:
        sessions[r["note_id"]]["ruptures"].append(r)
    for f in follow_ups:
        sessions[f["note_id"]]["follow_ups"].append(f)
    ordered = list(sessions.values())
    unattached = _attach_scores(ordered, scores)

    timeline = {
        "client": client.pk,
        "alliance_cutoff": cutoff,
        "sessions": ordered,
        "open_ruptures": [r for r in ruptures if r["is_open"]],
        "measures_before_first_session": unattached,
        "summary": _summary(ordered, ruptures, follow_ups, scores, strategies),
    }
    relational.timeline_add_checkins(timeline, actor=actor, client=client)  # the client's side, per session
    return timeline


def _summary(sessions, ruptures, follow_ups, scores, strategies) -> dict:
    by_family = Counter(r["family"] for r in ruptures)
    by_marker = Counter(code for r in ruptures for code in r["markers"])
    per_month: dict[str, dict] = {}
    for s in sessions:
        month = s["session_at"].strftime("%Y-%m")
        bucket = per_month.setdefault(month, {"month": month, "sessions": 0, "ruptures": 0})
        bucket["sessions"] += 1
        bucket["ruptures"] += len(s["ruptures"])
    repaired_in_session = [r for r in ruptures if r["outcome"] == "repaired"]
    repaired_later = {r["id"] for r in ruptures if r["resolved_in_note_id"] and r["outcome"] != "repaired"}
    closed = sum(1 for r in ruptures if r["closed"])
    repaired = len(repaired_in_session) + len(repaired_later)
    # Which strategies were tried, and how often the attempt was followed by repair.
    tried: Counter = Counter()
    followed_by_repair: Counter = Counter()
    for attempt in [*ruptures, *follow_ups]:
        for code in attempt["strategies"]:
            tried[code] += 1
            if attempt["outcome"] == "repaired":
                followed_by_repair[code] += 1
    by_code = {s["code"]: s for s in strategies.values()}
    strategy_rows = sorted(
        (
            {
                "code": code,
                "label": by_code[code]["label"],
                "approach": by_code[code]["approach"],
                "tried": n,
                "followed_by_repair": followed_by_repair[code],
                "repair_rate": round(followed_by_repair[code] / n, 3),
            }
            for code, n in tried.items()
        ),
        key=lambda row: (-row["followed_by_repair"], -row["repair_rate"], row["code"]),
    )
    alliance = [s for s in scores if s["measure"] == measures.ALLIANCE and s["total"] is not None]
    return {
        "sessions": len(sessions),
        "ruptures": len(ruptures),
        "ruptures_by_family": dict(by_family),
        "ruptures_by_marker": dict(by_marker.most_common()),
        "mean_intensity": round(sum(r["intensity"] for r in ruptures) / len(ruptures), 2) if ruptures else None,
        "rupture_frequency": list(per_month.values()),
        "repaired": repaired,
        "closed_without_repair": closed,
        "open": sum(1 for r in ruptures if r["is_open"]),
        "repair_rate": round(repaired / len(ruptures), 3) if ruptures else None,
        "strategies": strategy_rows,
        "alliance_trend": _trend([s["total"] for s in alliance]),
        "alliance_latest": alliance[-1]["total"] if alliance else None,
    }


def _trend(values: list[float]) -> float | None:
    """Least-squares slope per administration (points per session check-in); None under two scores."""
    n = len(values)
    if n < 2:
        return None
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return round(num / den, 3)


def open_ruptures(*, actor: Membership, client: Client) -> QuerySet[RuptureEvent]:
    return (
        rupture_list(actor=actor)
        .filter(client=client, resolved_at__isnull=True)
        .select_related("note")
        .prefetch_related("markers", "strategies")
        .order_by("note__session_at", "id")
    )


def session_prep(*, actor: Membership, client: Client) -> dict:
    """What to hold in mind before the next session: last plan, open ruptures, latest measures, risk flags."""
    last = (
        progress_note_list(actor=actor).filter(client=client, status__in=LOCKED).order_by("-session_at", "-id").first()
    )
    ruptures = list(open_ruptures(actor=actor, client=client))
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
