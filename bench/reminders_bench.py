"""Dispatch and send N due reminders with 1 and 2 Celery worker processes on Redis; compare with N no-op tasks.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_rem_bench REDIS_URL=redis://localhost:6379/14 \
      .venv/bin/python bench/reminders_bench.py [--n 10000] [--workers 1 2]

Uses its own database (created and migrated if missing) and Redis database; email goes to the
file backend in a temporary directory, and every written message is counted by its Message-ID,
so a duplicate send shows up as a duplicate Message-ID. Prints a table (Markdown).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@localhost:5432/attune_rem_bench")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/14")
os.environ["CELERY_BROKER_URL"] = os.environ["REDIS_URL"]
OUTBOX = Path(tempfile.mkdtemp(prefix="reminders-bench-"))
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
os.environ["EMAIL_FILE_PATH"] = str(OUTBOX)
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The workers run as in production, without DEBUG's query log (a development aid that records every statement).
os.environ.setdefault("DJANGO_DEBUG", "false")


def _ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


_ensure_database()
import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

call_command("migrate", verbosity=0)

from backend.celery import app  # noqa: E402
from reminders.models import OutboundMessage  # noqa: E402
from reminders.services.dispatch import reminders_dispatch  # noqa: E402

# A queue of its own, so that no other worker on the same Redis (a test run) takes the bench's tasks.
QUEUE = "reminders-bench"
app.conf.task_default_queue = QUEUE


def _fixture(n: int):
    from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

    from practice.models import Client as PracticeClient
    from practice.models import Clinician, Membership, Practice, User
    from scheduling.models import Appointment, AppointmentClient, AppointmentType

    stamp = str(time.time_ns())
    practice = Practice.objects.create(name="Bench Practice", slug=f"bench-{stamp}")
    user = User.objects.create_user(f"bench-{stamp}@example.test", "x")
    clinician = Clinician.objects.create(
        practice=practice, membership=Membership.objects.create(user=user, practice=practice, roles=["clinician"])
    )
    client = PracticeClient.objects.create(
        practice=practice, first_name="B", last_name="C", email="bench@example.test", email_consent=True
    )
    kind = AppointmentType.objects.create(practice=practice, name="Bench")
    appointment = Appointment(
        practice=practice,
        clinician=clinician,
        appointment_type=kind,
        mode="telehealth",
        video_link="https://video.example/bench",
    )
    appointment.set_times(timezone.now() + timedelta(days=30), kind)
    appointment.save()
    AppointmentClient.objects.create(
        practice=practice,
        appointment=appointment,
        client=client,
        span=DateTimeTZRange(appointment.starts_at, appointment.ends_at, "[)"),
    )
    OutboundMessage.objects.bulk_create(
        (
            OutboundMessage(
                practice=practice,
                appointment=appointment,
                client=client,
                kind="reminder",
                channel="email",
                offset_minutes=i + 1,
                scheduled_for=appointment.starts_at,
                due_at=appointment.starts_at - timedelta(days=20, minutes=i),
            )
            for i in range(n)
        ),
        batch_size=2000,
    )
    return appointment


def _workers(count: int) -> list[subprocess.Popen]:
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
                "-I",
                "bench.reminders_noop",
                "-Q",
                QUEUE,
                "-n",
                f"bench{i}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
        )
        for i in range(count)
    ]
    time.sleep(4)  # let them connect before the clock starts
    return procs


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)


def run_reminders(n: int, workers: int) -> dict:
    for f in OUTBOX.iterdir():
        f.unlink()
    appointment = _fixture(n)
    rows = OutboundMessage.objects.filter(appointment=appointment)
    procs = _workers(workers)
    try:
        start = time.perf_counter()
        now = appointment.starts_at - timedelta(days=1)
        while reminders_dispatch(now=now, batch_size=500):
            pass
        while rows.exclude(status="sent").exists():
            time.sleep(0.2)
            reminders_dispatch(now=now, batch_size=500)  # what beat would do meanwhile (nothing, normally)
        elapsed = time.perf_counter() - start
    finally:
        _stop(procs)
    ids = Counter()
    for f in OUTBOX.iterdir():
        for line in f.read_text().splitlines():
            if line.startswith("Message-ID: "):
                ids[line.split(": ", 1)[1]] += 1
    return {
        "what": f"{n} reminders",
        "workers": workers,
        "seconds": elapsed,
        "per_second": n / elapsed,
        "sent_rows": rows.filter(status="sent").count(),
        "emails": sum(ids.values()),
        "duplicates": sum(c - 1 for c in ids.values()),
    }


def run_noop(n: int, workers: int) -> dict:
    from bench.reminders_noop import reminders_bench_noop

    procs = _workers(workers)
    try:
        with app.connection_for_write() as conn:
            start = time.perf_counter()
            for i in range(n):
                reminders_bench_noop.apply_async(args=[i], connection=conn)
            while True:  # the queue is empty and nothing is unacknowledged
                with app.connection_for_read() as c:
                    client = c.default_channel.client
                    if client.llen(QUEUE) == 0 and client.hlen("unacked") == 0:
                        break
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
    finally:
        _stop(procs)
    return {
        "what": f"{n} no-op tasks",
        "workers": workers,
        "seconds": elapsed,
        "per_second": n / elapsed,
        "sent_rows": "",
        "emails": "",
        "duplicates": "",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    OutboundMessage.objects.all().delete()  # the bench database holds nothing else
    with app.connection_for_write() as conn:
        conn.default_channel.client.delete(QUEUE)
    results = []
    for w in args.workers:
        results.append(run_noop(args.n, w))
        results.append(run_reminders(args.n, w))
    # The figure to read on a shared machine: a send's cost as a multiple of a no-op task's, both measured in this
    # run with the same worker processes through the same broker.
    noop = {r["workers"]: r["seconds"] for r in results if r["sent_rows"] == ""}
    print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print("| run | worker processes | seconds | per second | × no-op | rows sent | emails written | duplicates |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ratio = f"{r['seconds'] / noop[r['workers']]:.1f}×" if r["sent_rows"] != "" else "1.0×"
        print(
            f"| {r['what']} | {r['workers']} | {r['seconds']:.1f} | {r['per_second']:.0f} | {ratio} | {r['sent_rows']} "
            f"| {r['emails']} | {r['duplicates']} |"
        )


if __name__ == "__main__":
    main()
