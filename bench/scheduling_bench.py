"""Benchmark: slots, the day list and booking at realistic size (50 clinicians, 200,000 appointments).

Each figure is printed beside a baseline measured in the same run: a bare DRF endpoint (no
database, same authentication) returning a list of the same length, so the ratio means something
on a noisy machine. Query counts are printed too; they must not depend on the data size.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_bench TEST_REDIS_URL=redis://localhost:6379/11 \
        .venv/bin/python bench/scheduling_bench.py [--appointments 200000] [--runs 15] [--threads 8]

It creates and drops its own test database (test_<name of DATABASE_URL's database>).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, teardown_databases  # noqa: E402
from django.urls import clear_url_caches, include, path  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from backend.api.permissions import RolePermission  # noqa: E402
from backend.api.views import PracticeScopedMixin  # noqa: E402
from practice import roles  # noqa: E402


class BaselineList(PracticeScopedMixin, APIView):
    """The bare endpoint: same authentication and membership lookup, a list of N dicts, no queries of its own."""

    permission_classes = [RolePermission]
    read_roles = roles.ALL_ROLES

    def get(self, request):
        n = int(request.query_params.get("n", "50"))
        return Response([{"id": i, "starts_at": "2027-02-01T15:00:00+00:00", "status": "scheduled"} for i in range(n)])


urlpatterns = [path("bench/baseline/", BaselineList.as_view()), path("", include("backend.urls"))]

CLINICIANS = 50
SLOTS_PER_DAY = 8  # 09:00 .. 16:00 local, 50 minutes each: the 08:00 and 17:00-19:00 hours stay free


def build(appointments: int):
    from knox.models import AuthToken

    from scheduling.models import Appointment, AppointmentClient, AppointmentType
    from tests.factories.practice import ClientFactory, ClinicianFactory, MembershipFactory, PracticeFactory
    from tests.factories.scheduling import working_every_day

    practice = PracticeFactory(slug="bench", settings={"series_horizon_days": 30})
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
    clients_per = 40
    clients = [[ClientFactory(practice=practice) for _ in range(clients_per)] for _ in clinicians]
    per_clinician = appointments // CLINICIANS
    days = per_clinician // SLOTS_PER_DAY + 1
    # Half in the past, half ahead; booked hours leave part of every day free.
    first_day = datetime.now(UTC).replace(hour=14, minute=0, second=0, microsecond=0) - timedelta(days=days // 2)
    batch_a: list = []
    batch_c: list = []

    def flush():
        Appointment.objects.bulk_create(batch_a)
        AppointmentClient.objects.bulk_create(
            AppointmentClient(practice=practice, appointment=a, client=cl, span=DateTimeTZRange(a.starts_at, a.ends_at))
            for a, cl in batch_c
        )
        batch_a.clear()
        batch_c.clear()

    for ci, clinician in enumerate(clinicians):
        for n in range(per_clinician):
            day, slot = divmod(n, SLOTS_PER_DAY)
            start = first_day + timedelta(days=day, hours=slot)
            a = Appointment(
                practice=practice,
                clinician=clinician,
                appointment_type=kind,
                mode="telehealth",
                status="scheduled" if day >= days // 2 else "completed",
                booked_by=desk,
            )
            a.set_times(start, kind)
            batch_a.append(a)
            batch_c.append((a, clients[ci][n % clients_per]))
            if len(batch_a) >= 5000:
                flush()
    flush()
    connection.cursor().execute("ANALYZE")
    token = AuthToken.objects.create(desk.user)[1]
    tokens = [AuthToken.objects.create(desk.user)[1] for _ in range(64)]
    return practice, desk, kind, clinicians, clients, token, tokens


def timed(fn, runs: int) -> tuple[float, int]:
    fn()  # warm
    samples = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t0)
        queries = len(ctx.captured_queries)
    return statistics.median(samples) * 1000, queries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--bookings", type=int, default=400)
    args = parser.parse_args()

    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the 409s of the contended bookings
    settings.ROOT_URLCONF = __name__
    clear_url_caches()
    settings.DEBUG = False
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args)
    finally:
        connection.close()
        teardown_databases(old, verbosity=0)


def run(args) -> None:
    from rest_framework.test import APIClient

    from scheduling.models import Appointment

    t0 = time.perf_counter()
    practice, desk, kind, clinicians, clients, token, tokens = build(args.appointments)
    built = time.perf_counter() - t0
    total = Appointment.objects.count()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=practice.slug)
    today = datetime.now(UTC).date()
    rows = []

    def measure(label, path, params, expect_len=None):
        result = {}

        def call():
            r = api.get(path, params)
            assert r.status_code == 200, r.content[:300]
            result["n"] = len(r.json()["results"] if isinstance(r.json(), dict) else r.json())

        ms, q = timed(call, args.runs)
        n = result["n"]
        base_ms, base_q = timed(lambda: api.get("/bench/baseline/", {"n": n}), args.runs)
        rows.append((label, n, ms, q, base_ms, base_q))

    one = {
        "appointment_type": kind.pk,
        "clinician": clinicians[0].pk,
        "date_from": today + timedelta(days=1),
        "date_to": today + timedelta(days=30),
        "tz": "America/New_York",
        "mode": "telehealth",
    }
    measure("slots: 1 clinician x 30 days", "/api/v1/slots/", one)
    everyone = {
        "appointment_type": kind.pk,
        "date_from": today + timedelta(days=1),
        "date_to": today + timedelta(days=7),
        "tz": "America/New_York",
        "mode": "telehealth",
    }
    measure("slots: 50 clinicians x 7 days", "/api/v1/slots/", everyone)
    day = datetime.combine(today + timedelta(days=2), datetime.min.time(), tzinfo=UTC)
    measure(
        "appointments: whole practice, 1 day",
        "/api/v1/appointments/",
        {"starts_after": day.isoformat(), "starts_before": (day + timedelta(days=1)).isoformat(), "page_size": 200},
    )

    # Booking through HTTP: `threads` clients book free evening slots concurrently, and every 4th request
    # aims at a slot another thread also wants (clean 409s are part of the run).
    codes: list[int] = []
    lock = threading.Lock()
    per_thread = args.bookings // args.threads
    base_day = datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=UTC) + timedelta(hours=22)

    def booker(i: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[i]}", HTTP_X_PRACTICE=practice.slug)
        try:
            for k in range(per_thread):
                n = k * args.threads + i
                if k % 4 == 3:
                    n -= i  # contended: the same target as thread 0
                c = n % CLINICIANS
                start = base_day + timedelta(days=n // CLINICIANS)
                r = client.post(
                    "/api/v1/appointments/",
                    {
                        "clinician": clinicians[c].pk,
                        "clients": [clients[c][30 + (n // CLINICIANS) % 10].pk],
                        "appointment_type": kind.pk,
                        "starts_at": start.isoformat(),
                        "mode": "telehealth",
                        "outside_availability": True,
                    },
                    format="json",
                )
                with lock:
                    codes.append(r.status_code)
        finally:
            connection.close()

    with CaptureQueriesContext(connection) as ctx:
        booker_one = APIClient()
        booker_one.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=practice.slug)
        booker_one.post(
            "/api/v1/appointments/",
            {
                "clinician": clinicians[0].pk,
                "clients": [clients[0][0].pk],
                "appointment_type": kind.pk,
                "starts_at": (base_day - timedelta(hours=4)).isoformat(),
                "mode": "telehealth",
                "outside_availability": True,
            },
            format="json",
        )
    book_queries = len(ctx.captured_queries)
    threads = [threading.Thread(target=booker, args=(i,)) for i in range(args.threads)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0

    def base_worker(i: int, n: int, out: list) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[32 + i]}", HTTP_X_PRACTICE=practice.slug)
        try:
            for _ in range(n):
                out.append(client.get("/bench/baseline/", {"n": 1}).status_code)
        finally:
            connection.close()

    base_codes: list[int] = []
    workers = [threading.Thread(target=base_worker, args=(i, per_thread, base_codes)) for i in range(args.threads)]
    t0 = time.perf_counter()
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    base_elapsed = time.perf_counter() - t0

    print(f"\n{total:,} appointments, {CLINICIANS} clinicians (built in {built:.0f} s); median of {args.runs} runs")
    print(f"{'measure':40} {'items':>6} {'ms':>9} {'queries':>8} {'baseline ms':>12} {'base q':>7} {'ratio':>7}")
    for label, n, ms, q, base_ms, base_q in rows:
        print(f"{label:40} {n:>6} {ms:>9.1f} {q:>8} {base_ms:>12.1f} {base_q:>7} {ms / base_ms:>7.1f}")
    rps = len(codes) / elapsed
    base_rps = len(base_codes) / base_elapsed
    print(
        f"{'booking POST, ' + str(args.threads) + ' threads':40} {len(codes):>6} {rps:>8.0f}/s {book_queries:>8} "
        f"{base_rps:>11.0f}/s {'':>7} {base_rps / rps:>7.1f}"
    )
    print(
        f"  booking answers: {codes.count(201)} x 201, {codes.count(409)} x 409, "
        f"{len(codes) - codes.count(201) - codes.count(409)} other"
    )


if __name__ == "__main__":
    main()
