"""A real Celery worker process on the real Redis broker, SIGKILLed while it holds claimed reminders (issue 13).

The worker's "provider" (tests/reminders/crash_mail.py) writes each email as a file, then pauses: the kill lands
after the provider took the first messages and before the sends recorded them, with more tasks reserved by
the worker (acks_late: Redis gives them back only after its visibility timeout, an hour) and more still queued.
Every reminder must still go out before its session, and its delivery status must say `sent`.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from backend.celery import app
from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from tests.factories.practice import ClientFactory, ClinicianFactory
from tests.factories.reminders import OutboundMessageFactory, appointment_row

pytestmark = pytest.mark.django_db(transaction=True)
St = OutboundMessage.Status
ROOT = Path(__file__).resolve().parents[2]
REMINDERS = 6
SESSION_IN = timedelta(seconds=150)  # a short reminder: due now, its session starts 2.5 minutes later


def _worker(mail_dir: Path, name: str, hold: float) -> subprocess.Popen:
    s = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.test",
        "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}",
        "TEST_EMAIL_BACKEND": "tests.reminders.crash_mail.EmailBackend",
        "CRASH_MAIL_DIR": str(mail_dir),
        "CRASH_MAIL_HOLD": str(hold),
    }
    command = [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "prefork", "--concurrency", "2"]
    command += ["--loglevel", "WARNING", "--without-gossip", "--without-mingle", "-n", f"{name}@%h"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # its own process group


def _emails(mail_dir: Path) -> Counter:
    """Emails written per outbox row (by the row's Message-ID, <attune-outbox-{id}@...>)."""
    counts: Counter = Counter()
    for path in mail_dir.glob("*.log"):
        message_id = message_from_bytes(path.read_bytes())["Message-ID"] or ""
        if "attune-outbox-" in message_id:  # else the worker is still writing the file
            counts[int(message_id.split("attune-outbox-")[1].split("@")[0])] += 1
    return counts


def _wait_for(predicate, timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_a_worker_sigkilled_while_holding_claimed_reminders_loses_none(world, tmp_path):
    assert django_settings.CELERY_BROKER_URL.startswith("redis://"), "the crash test runs on the real Redis broker"
    now = timezone.now()
    rows = []
    for _ in range(REMINDERS):
        clinician = ClinicianFactory(membership__practice=world.p.practice)
        client = ClientFactory(practice=world.p.practice)
        appointment = appointment_row(clinician=clinician, clients=[client], starts_at=now + SESSION_IN)
        rows.append(OutboundMessageFactory(appointment=appointment, client=client, offset_minutes=2, due_at=now))
    ids = [r.pk for r in rows]
    app.control.purge()
    first = _worker(tmp_path, "doomed", hold=600)
    second = None
    try:
        assert reminders_dispatch() == ids  # claimed; their send tasks are in Redis
        # Both pool processes have handed a message to the "provider" and are stuck before recording it.
        assert _wait_for(lambda: sum(_emails(tmp_path).values()) >= 2, timeout=60)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        at_kill = dict(OutboundMessage.objects.filter(pk__in=ids).values_list("pk", "status"))
        handed_off = set(
            OutboundMessage.objects.filter(pk__in=ids, handed_off_at__isnull=False).values_list("pk", flat=True)
        )
        assert set(at_kill.values()) == {St.CLAIMED}
        assert set(_emails(tmp_path)) == handed_off and len(handed_off) == 2

        killed_at = time.monotonic()
        second = _worker(tmp_path, "survivor", hold=0)

        def settled() -> bool:
            reminders_dispatch()  # the beat's job, every 30 s in production
            return not OutboundMessage.objects.filter(pk__in=ids, status__in=(St.PENDING, St.CLAIMED)).exists()

        assert _wait_for(settled, timeout=SESSION_IN.total_seconds(), step=1.0)
        recovered_in = time.monotonic() - killed_at
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(timeout=10)
        app.control.purge()
    final = {m.pk: m for m in OutboundMessage.objects.filter(pk__in=ids).select_related("appointment")}
    assert {m.status for m in final.values()} == {St.SENT}
    for message in final.values():
        assert message.sent_at < message.appointment.starts_at
    emails = _emails(tmp_path)
    assert sum(emails.values()) == len(list(tmp_path.glob("*.log")))  # every file is a whole email of a row
    print(  # the figure for docs/reliability.md (run with -s)
        f"\n{REMINDERS} reminders, {len(handed_off)} handed off at the kill, all sent {recovered_in:.1f} s after it, "
        f"{min(m.appointment.starts_at - m.sent_at for m in final.values()).total_seconds():.0f} s or more before "
        f"their sessions; emails per row {sorted(emails.values())}"
    )
    assert set(emails) == set(ids)
    # At-least-once: only a message handed off when the worker died may have gone twice (same Message-ID).
    assert all(emails[i] == 1 for i in set(ids) - handed_off) and all(emails[i] <= 2 for i in handed_off)
