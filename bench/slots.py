"""Benchmark: slots at 200,000 appointments (issue 17, "slots"), beside the authenticated bare endpoint.

Figures, each measured in the same run:
- GET /api/v1/slots/ for 1 clinician x 30 days and 50 clinicians x 30 days (in-process through DRF's test
  client), against a bare authenticated endpoint (same authentication and membership, no queries of its own);
- the service alone (`slots_for`) for 1 x 30 and 50 x 30, and its cost per clinician-day;
- statements per request (beyond authentication: the token and the membership);
- EXPLAIN ANALYZE of the appointments read for one clinician: the GiST index with the clinician condition.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench TEST_REDIS_URL=redis://localhost:6379/11 \
        .venv/bin/python bench/slots.py [--appointments 200000] [--runs 15] [--reuse] [--profile]

It creates and drops its own test database (test_<name of DATABASE_URL's database>); with --reuse it keeps it
and the next --reuse run measures the same data without building it again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from backend.api.permissions import RolePermission  # noqa: E402
from backend.api.views import PracticeScopedMixin  # noqa: E402
from practice import roles  # noqa: E402


class BareEndpoint(PracticeScopedMixin, APIView):
    """The bare authenticated endpoint: the same authentication and membership, an empty list, no queries."""

    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES

    def get(self, request):
        return Response([])


urlpatterns = [path("bench/bare/", BareEndpoint.as_view()), path("", include("backend.urls"))]

CLINICIANS = 50
DAYS = 30
SLOTS_PER_DAY = 8  # 09:00 .. 16:00 New York time, 50 minutes + 10 after: 08:00 and 17:00-19:00 stay free


def build(appointments: int):
    from knox.models import AuthToken

    from practice.models import Practice
    from scheduling.models import Appointment, AppointmentType
    from tests.factories.practice import ClinicianFactory, MembershipFactory, PracticeFactory
    from tests.factories.scheduling import working_every_day

    kept = Practice.objects.filter(slug="bench").first()
    if kept is not None:  # --reuse: the data of an earlier run, if it has the size asked for
        if Appointment.objects.filter(practice=kept).count() == appointments // CLINICIANS * CLINICIANS:
            return _kept(kept)
        raise SystemExit("The kept database holds another size: drop test_<database> or run without --reuse.")
    practice = PracticeFactory(slug="bench")
    desk = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    kind = AppointmentType.objects.create(
        practice=practice,
        name="Session",
        duration_minutes=50,
        buffer_after_minutes=10,
        min_notice_hours=0,
        max_advance_days=3650,
    )
    clinicians = [
        ClinicianFactory(membership__practice=practice, time_zone="America/New_York") for _ in range(CLINICIANS)
    ]
    for c in clinicians:
        working_every_day(c, start=datetime.min.time().replace(hour=8), end=datetime.min.time().replace(hour=20))
    per_clinician = appointments // CLINICIANS
    days = per_clinician // SLOTS_PER_DAY + 1
    # Half in the past, half ahead, 8 a day from 09:00 New York time (13:00 or 14:00 UTC).
    first = datetime.now(UTC).date() - timedelta(days=days // 2)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO scheduling_appointment (practice_id, clinician_id, appointment_type_id, mode, video_link,
                starts_at, ends_at, occupied, status, booked_by_id, booked_at, cancelled_by_party,
                cancellation_reason, updated_at)
            SELECT %(practice)s, c.id, %(kind)s, 'telehealth', '', s.t, s.t + interval '50 minutes',
                tstzrange(s.t, s.t + interval '60 minutes', '[)'),
                CASE WHEN s.t < now() THEN 'completed' ELSE 'scheduled' END, %(desk)s, now(), '', '', now()
            FROM unnest(%(clinicians)s::bigint[]) AS c(id),
                 LATERAL (SELECT ((%(first)s::date + (n / %(per_day)s)) + time '09:00'
                                  + (n %% %(per_day)s) * interval '1 hour') AT TIME ZONE 'America/New_York' AS t
                          FROM generate_series(0, %(per)s - 1) AS n) AS s
            ORDER BY s.t, c.id  -- in the order they would be booked: rows of one clinician spread over the table
            """,
            {
                "practice": practice.pk,
                "kind": kind.pk,
                "desk": desk.pk,
                "clinicians": [c.pk for c in clinicians],
                "first": first,
                "per_day": SLOTS_PER_DAY,
                "per": per_clinician,
            },
        )
    with connection.cursor() as cur:  # outside a transaction: what autovacuum has done to a table this size
        cur.execute("VACUUM ANALYZE scheduling_appointment")
    token = AuthToken.objects.create(desk.user)[1]
    return practice, desk, kind, clinicians, token


def _kept(practice):
    """The practice, front desk, type, clinicians and a fresh token of an earlier run's data."""
    from knox.models import AuthToken

    from practice.models import Clinician, Membership
    from scheduling.models import AppointmentType

    desk = Membership.objects.filter(practice=practice, roles__contains=[roles.FRONT_DESK]).get()
    kind = AppointmentType.objects.get(practice=practice, name="Session")
    clinicians = list(Clinician.objects.filter(practice=practice).order_by("pk"))
    token = AuthToken.objects.create(desk.user)[1]
    return practice, desk, kind, clinicians, token


def timed(fn, runs: int) -> tuple[float, float, int, object]:
    """Median wall ms, median CPU ms of this process (steadier on a shared machine), statements, result."""
    result = fn()  # warm
    samples, cpu = [], []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        queries = len(ctx.captured_queries)
    return statistics.median(samples) * 1000, statistics.median(cpu) * 1000, queries, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the test database for a look with psql")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the test database and reuse the data a previous --reuse run built (same --appointments)",
    )
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of slots_for 50 x 30")
    args = parser.parse_args()

    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    settings.DEBUG = False
    old = setup_databases(verbosity=0, interactive=False, keepdb=args.reuse)
    try:
        run(args)
    finally:
        connection.close()
        if not (args.keep or args.reuse):
            teardown_databases(old, verbosity=0)


def run(args) -> None:
    from zoneinfo import ZoneInfo

    from rest_framework.test import APIClient

    from scheduling.models import Appointment
    from scheduling.services.slots import slots_for

    t0 = time.perf_counter()
    practice, desk, kind, clinicians, token = build(args.appointments)
    built = time.perf_counter() - t0
    total = Appointment.objects.count()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=practice.slug)
    today = datetime.now(UTC).date()
    date_from, date_to = today + timedelta(days=1), today + timedelta(days=DAYS)
    tz = ZoneInfo("America/New_York")
    rows = []

    def http(params):
        def call():
            r = api.get("/api/v1/slots/", params)
            assert r.status_code == 200, r.content[:300]
            return r  # decoded after the timing: the client's json.loads is no part of the endpoint's cost

        return call

    bare_ms, bare_cpu, bare_q, _ = timed(lambda: api.get("/bench/bare/"), args.runs)
    auth_q = bare_q  # the token and the membership
    rows.append(("bare authenticated endpoint (HTTP)", 0, 1, bare_ms, bare_cpu, bare_q - auth_q))
    base = {"appointment_type": kind.pk, "date_from": date_from, "date_to": date_to, "tz": "America/New_York"}
    for n in (1, CLINICIANS):
        params = {**base, "mode": "telehealth", "clinician": [c.pk for c in clinicians[:n]]}
        ms, cpu, q, response = timed(http(params), args.runs)
        rows.append((f"GET /slots/ {n} x {DAYS} days (HTTP)", len(response.json()), n, ms, cpu, q - auth_q))
    for n in (1, CLINICIANS):
        chosen = clinicians[:n]

        def service(chosen=chosen):
            return len(
                slots_for(
                    appointment_type=kind,
                    clinicians=chosen,
                    date_from=date_from,
                    date_to=date_to,
                    tz=tz,
                    mode="telehealth",
                )
            )

        ms, cpu, q, items = timed(service, args.runs)
        rows.append((f"slots_for {n} x {DAYS} days (service)", items, n, ms, cpu, q))

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(service)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        profiler = cProfile.Profile(time.process_time)
        profiler.runcall(http({**base, "mode": "telehealth", "clinician": [clinicians[0].pk]}))
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)

    with CaptureQueriesContext(connection) as ctx:
        slots_for(
            appointment_type=kind,
            clinicians=clinicians[:1],
            date_from=date_from,
            date_to=date_to,
            tz=tz,
            mode="telehealth",
        )
    read = next(q["sql"] for q in ctx.captured_queries if "scheduling_appointment" in q["sql"] and "&&" in q["sql"])
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + read)
        plan = [r[0] for r in cur.fetchall()]

    print(f"\n{total:,} appointments, {CLINICIANS} clinicians (built in {built:.0f} s); median of {args.runs} runs")
    print(
        f"{'measure':40} {'slots':>6} {'ms':>8} {'x bare':>7} {'cpu ms':>8} {'x bare':>7} {'stmts*':>7}"
        f" {'ms/clinician-day':>17}"
    )
    for label, items, n, ms, cpu, q in rows:
        print(
            f"{label:40} {items:>6} {ms:>8.2f} {ms / bare_ms:>7.2f} {cpu:>8.2f} {cpu / bare_cpu:>7.2f} {q:>7}"
            f" {ms / (n * DAYS):>17.3f}"
        )
    print(f"* statements beyond authentication ({auth_q}: the token and the membership)")
    print("\nThe appointments read for one clinician:\n  " + read)
    print("\n".join("  " + line for line in plan))
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
