"""Benchmark: the relational timeline, session prep and caseload attention at realistic size.

One client with 200 signed notes and 600 rupture events (plus 200 follow-ups and 100 alliance
check-ins) in a caseload of 40 clients, each other client with a few signed notes. Every endpoint
is timed beside a bare authenticated endpoint (GET /api/v1/auth/me/) in the same run, with the ratio of each
median to the bare one ("x bare") and the load average; its query count is printed; the counts must not depend
on the number of notes. Requests are interleaved (one of each endpoint per round) so a burst of load on the shared
machine falls on every row alike.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench .venv/bin/python bench/notes_bench.py [--runs 30]

It creates and drops its own test database (test_<name of DATABASE_URL's database>).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402


def build(notes: int, ruptures_per_note: int, caseload: int):
    from notes import services
    from tests.factories.notes import RELATIONAL, signed_note, withdrawal_rupture
    from tests.factories.practice import CareTeamMemberFactory, ClientFactory
    from tests.world import World

    world = World()
    p = world.p
    services.taxonomy_seed(practice=p.practice)
    start = timezone.now() - timedelta(days=7 * notes)
    client = p.client_b
    clinician = p.clinician2
    open_ids: list[int] = []
    for i in range(notes):
        follow_ups = (
            [{"rupture": open_ids.pop(0), "strategies": ["rs_acknowledge_contribution"], "outcome": "repaired"}]
            if open_ids
            else []
        )
        ruptures = [
            withdrawal_rupture(outcome="partial", intensity=1 + i % 5),
            withdrawal_rupture(
                family="confrontation",
                markers=["co_rejects_intervention"],
                outcome="repaired",
                strategies=["rs_clarify_misunderstanding"],
            ),
            withdrawal_rupture(markers=["wd_abstract_communication"], outcome="unresolved", strategies=[]),
        ][:ruptures_per_note]
        note = signed_note(
            clinician,
            client,
            session_at=start + timedelta(days=7 * i),
            content=RELATIONAL,
            ruptures=ruptures,
            follow_ups=follow_ups,
        )
        open_ids += list(note.ruptures.filter(resolved_at__isnull=True).values_list("id", flat=True))
    for _ in range(caseload - 1):
        other = ClientFactory(practice=p.practice)
        CareTeamMemberFactory(practice=p.practice, client=other, clinician=clinician)
        for j in range(3):
            signed_note(clinician, other, session_at=start + timedelta(days=j), ruptures=[withdrawal_rupture()])
    _alliance_scores(client, count=notes // 2, start=start)
    return world


def _alliance_scores(client, *, count: int, start) -> None:
    """Scored alliance check-ins, written directly (intake's scoring is not under test here)."""
    from intake.models import FormDefinition, Response, Score
    from tests.factories.intake import seeded

    form = seeded(client.practice)["session-check-in"]
    version = form.latest_published
    for i in range(count):
        at = start + timedelta(days=14 * i, hours=1)
        response = Response.objects.create(
            practice=client.practice, client=client, version=version, status=Response.Status.SUBMITTED, submitted_at=at
        )
        Score.objects.create(
            practice=client.practice,
            client=client,
            form=form,
            response=response,
            total=30 + i % 10,
            band="",
            administered_at=at,
        )
    assert FormDefinition.objects.filter(pk=form.pk).exists()


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) on {os.cpu_count()} cores"


def counted(call) -> tuple[int, int]:
    """Warm up, then (queries, bytes) of one call."""
    call()  # warm caches and connections
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    queries = len(ctx.captured_queries)  # read now: the next request clears Django's query log
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return queries, len(response.content)


def interleaved(calls: list, runs: int) -> list[list[float]]:
    """Times in ms of each call, one of each per round, so a burst of load falls on every row alike."""
    times: list[list[float]] = [[] for _ in calls]
    for _ in range(runs):
        for i, call in enumerate(calls):
            t0 = time.perf_counter()
            call()
            times[i].append((time.perf_counter() - t0) * 1000)
    return times


def table(rows: list[tuple[str, object]], runs: int, width: int = 42) -> None:
    """Print queries, median, p95, the ratio to the first row (the bare baseline) and bytes, then the load."""
    counts = [counted(call) for _, call in rows]
    times = interleaved([call for _, call in rows], runs)
    print(f"{'endpoint':<{width}} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'x bare':>7} {'bytes':>9}")
    baseline = statistics.median(times[0])
    for (label, _), (queries, size), row_times in zip(rows, counts, times, strict=True):
        median = statistics.median(row_times)
        p95 = statistics.quantiles(row_times, n=20)[-1] if len(row_times) >= 20 else max(row_times)
        print(f"{label:<{width}} {queries:>7} {median:>10.1f} {p95:>8.1f} {median / baseline:>7.2f} {size:>9}")
    print(load_average())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--caseload", type=int, default=40)
    args = parser.parse_args()

    old = setup_databases(verbosity=0, interactive=False)
    try:
        t0 = time.perf_counter()
        world = build(args.notes, 3, args.caseload)
        from practice.models import CareTeamMember

        CareTeamMember.objects.get_or_create(
            practice=world.p.practice, client=world.p.client_b, clinician=world.p.clinician2
        )
        built = time.perf_counter() - t0
        api = world.client_for(None)
        from knox.models import AuthToken

        _, token = AuthToken.objects.create(world.p.clinician2.membership.user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=world.p.practice.slug)

        from notes.models import ProgressNote, RuptureEvent

        client_id = world.p.client_b.pk
        print(
            f"data: {ProgressNote.objects.filter(client_id=client_id).count()} signed notes and "
            f"{RuptureEvent.objects.filter(client_id=client_id).count()} rupture events for one client; "
            f"caseload {CareTeamMember.objects.filter(clinician=world.p.clinician2).count()} clients "
            f"(built in {built:.0f} s); {args.runs} timed requests each\n"
        )
        rows = [
            ("baseline GET /auth/me/", "/api/v1/auth/me/"),
            ("GET /notes/clients/{id}/timeline/", f"/api/v1/notes/clients/{client_id}/timeline/"),
            ("GET /notes/clients/{id}/session-prep/", f"/api/v1/notes/clients/{client_id}/session-prep/"),
            ("GET /notes/caseload-attention/", "/api/v1/notes/caseload-attention/"),
        ]
        table([(label, lambda url=url: api.get(url)) for label, url in rows], args.runs)
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
