"""Fault runs: Redis stopped during bookings; a Celery worker killed with SIGKILL mid-send.

    .venv/bin/python bench/faults_run.py --port 8766

Uses its own throw-away stack: a fresh database `attune_faults` on localhost:5432 (dropped and
re-created), its OWN Redis server on port 6390 (`redis-server --port 6390 --save ''`, started,
stopped and restarted by this script; the machine's shared Redis is never touched), gunicorn,
one Celery worker and one beat, and a file email backend (bench/faults_mail.py) writing one file
per message. It counts, per outbox row, the emails carrying that row's Message-ID.

The third fault, PostgreSQL restarted under load, needs a server of its own: bench/faults_pg.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load_stack as stack  # noqa: E402

DB = "attune_faults"
REDIS_PORT = 6390
PASSWORD = "attune-demo-pass"


def redis_up(tmp: Path) -> None:
    subprocess.run(
        ["redis-server", "--port", str(REDIS_PORT), "--save", "", "--appendonly", "no", "--daemonize", "yes",
         "--dir", str(tmp), "--logfile", str(tmp / "redis.log"), "--pidfile", str(tmp / "redis.pid")],
        check=True,
    )  # fmt: skip
    for _ in range(50):
        if subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).stdout.strip() == b"PONG":
            return
        time.sleep(0.1)
    raise SystemExit("own redis did not start")


def redis_down() -> None:
    subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True)
    time.sleep(0.5)


def fresh_database(url: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@localhost:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    stack.create_database(url)


def outbox(url: str) -> list[tuple[int, str, str, bool]]:
    """(id, kind, status, due) for every row."""
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT id, kind, status, due_at <= now() FROM reminders_outboundmessage ORDER BY id"
        ).fetchall()


def emails(mail_dir: Path) -> Counter:
    counts: Counter = Counter()
    for path in mail_dir.glob("*"):
        for match in re.finditer(r"^Message-ID: <attune-outbox-(\d+)@", path.read_text(errors="replace"), re.M):
            counts[int(match.group(1))] += 1
    return counts


def book(base: str, token: str, type_id: int, clinicians: list[int], clients: list[int], starts: dt.datetime):
    return stack.api(
        base, token, "POST", "/appointments/",
        {"clinician": random.choice(clinicians), "clients": [random.choice(clients)], "appointment_type": type_id,
         "starts_at": starts.strftime("%Y-%m-%dT%H:%M:00Z"), "mode": "telehealth",
         "video_link": "https://video.example.org/f", "outside_availability": True},
    )[0]  # fmt: skip


def far_future() -> dt.datetime:
    day = dt.date.today() + dt.timedelta(days=random.randint(400, 3000))
    return dt.datetime.combine(day, dt.time(random.randint(0, 23), random.choice((0, 30))), dt.UTC)


def wait_sent(url: str, timeout: float) -> float:
    """Seconds until no due row is pending or claimed (or the timeout)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not [r for r in outbox(url) if r[3] and r[2] in ("pending", "claimed")]:
            break
        time.sleep(1)
    return time.monotonic() - start


def tally(url: str, mail_dir: Path) -> dict:
    rows = outbox(url)
    mails = emails(mail_dir)
    due = [r for r in rows if r[3] and r[2] not in ("cancelled", "skipped")]
    sent = [r for r in due if r[2] == "sent"]
    return {
        "due rows": len(due),
        "sent rows": len(sent),
        "still pending/claimed (lost)": len([r for r in due if r[2] in ("pending", "claimed")]),
        "failed rows": len([r for r in due if r[2] == "failed"]),
        "sent rows without an email": len([r for r in sent if mails[r[0]] == 0]),
        "emails": sum(mails.values()),
        "rows emailed twice or more (duplicates)": len([i for i, n in mails.items() if n > 1]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--bookings", type=int, default=30, help="bookings made while Redis is down")
    parser.add_argument("--outage", type=float, default=20, help="seconds Redis stays down after the bookings")
    parser.add_argument("--kill-bookings", type=int, default=40, help="bookings whose confirmations are in flight")
    parser.add_argument("--claim-timeout", type=int, default=20)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="attune-faults-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    url = f"postgres://postgres@localhost:5432/{DB}"
    env = stack.base_env(
        DATABASE_URL=url,
        REDIS_URL=f"redis://localhost:{REDIS_PORT}/0",
        EMAIL_BACKEND="faults_mail.EmailBackend",
        EMAIL_FILE_PATH=str(mail_dir),
        FAULTS_MAIL_DELAY="0.3",
        REMINDERS_CLAIM_TIMEOUT=str(args.claim_timeout),
        PYTHONPATH=str(stack.ROOT / "bench") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    fresh_database(url)
    redis_up(tmp)
    children: dict[str, subprocess.Popen] = {}
    results: list[tuple[str, dict]] = []
    base = f"http://127.0.0.1:{args.port}"
    try:
        stack.prepare(env)
        children["web"] = stack.gunicorn(env, args.port, tmp / "gunicorn.log")
        children["worker"] = stack.celery_worker(env, tmp / "worker.log")
        children["beat"] = stack.celery_beat(env, tmp / "beat.log", tmp / "beat-schedule")
        stack.wait_http(f"{base}/healthz")
        tokens = {
            who: stack.api(base, None, "POST", "/auth/login/", {"email": f"{who}@harbor.test", "password": PASSWORD})[
                1
            ]["token"]
            for who in ("admin", "frontdesk")
        }
        fd = tokens["frontdesk"]
        # Confirmation on every booking (due at once), and an email reminder 5 minutes before.
        stack.api(base, tokens["admin"], "PATCH", "/reminder-policy/",
            {"steps": [{"offset_minutes": 5, "channel": "email"}], "send_confirmation": True})  # fmt: skip
        type_id = next(
            t["id"]
            for t in stack.api(base, fd, "GET", "/appointment-types/")[1]["results"]
            if t["name"] == "Individual session"
        )
        clients = [c["id"] for c in stack.api(base, fd, "GET", "/clients/")[1]["results"]]
        clinicians = [c["id"] for c in stack.api(base, fd, "GET", "/clinicians/")[1]["results"]]
        stack.wait_http(f"{base}/healthz")
        wait_sent(url, 60)  # the demo data's own messages, if any

        # (a) Redis stopped during bookings -----------------------------------------------------
        def timed_bookings(n: int) -> tuple[Counter, list[float]]:
            codes, ms = Counter(), []
            for _ in range(n):
                started = time.monotonic()
                codes[book(base, fd, type_id, clinicians, clients, far_future())] += 1
                ms.append((time.monotonic() - started) * 1000)
            return codes, ms

        codes_up, ms_up = timed_bookings(5)
        redis_down()
        t0 = time.monotonic()
        codes_down, ms_down = timed_bookings(args.bookings)
        # Two sessions 6 minutes ahead: their reminders fall due about a minute from now.
        soon = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) + dt.timedelta(minutes=7)
        for clinician, client in zip(clinicians[:2], clients[:2], strict=False):
            status, _ = stack.api(base, fd, "POST", "/appointments/", {
                "clinician": clinician, "clients": [client], "appointment_type": type_id,
                "starts_at": soon.strftime("%Y-%m-%dT%H:%M:00Z"), "mode": "telehealth",
                "video_link": "https://video.example.org/f", "outside_availability": True})  # fmt: skip
            codes_down[status] += 1
        try:
            health_down = urllib.request.urlopen(f"{base}/healthz", timeout=10).status  # nosec B310 - http://127.0.0.1 of the stack this script started
        except urllib.error.HTTPError as exc:
            health_down = exc.code
        queued_during = Counter(r[2] for r in outbox(url) if r[3])
        time.sleep(max(0.0, args.outage - (time.monotonic() - t0)))
        outage = time.monotonic() - t0
        redis_up(tmp)
        back = time.monotonic()
        # Wait for the near-term reminders to fall due and be sent.
        while dt.datetime.now(dt.UTC) < soon - dt.timedelta(minutes=5) + dt.timedelta(seconds=5):
            time.sleep(2)
        wait_sent(url, 180)
        drain = time.monotonic() - back
        result = tally(url, mail_dir)
        result = {
            "bookings with Redis up (status: count)": dict(codes_up),
            "bookings with Redis down (status: count)": dict(codes_down),
            "booking latency with Redis up / down, median ms": f"{median(ms_up):.0f} / {median(ms_down):.0f}",
            "GET /healthz while Redis down": health_down,
            f"due rows pending while Redis down (of {sum(queued_during.values())})": queued_during.get("pending", 0),
            "Redis outage, s": round(outage, 1),
            "all due rows sent, s after Redis returned (incl. waiting for the 2 reminders)": round(drain, 1),
            **result,
        }
        results.append(("(a) Redis stopped during bookings", result))

        # (b) worker killed with SIGKILL mid-send -------------------------------------------------
        sent_before = emails(mail_dir)
        codes = Counter(book(base, fd, type_id, clinicians, clients, far_future()) for _ in range(args.kill_bookings))
        # Wait until sends are in progress, then kill the worker's whole process group.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(emails(mail_dir).values()) - sum(sent_before.values()) < 5:
            time.sleep(0.2)
        in_flight = Counter(r[2] for r in outbox(url) if r[3])
        os.killpg(children["worker"].pid, signal.SIGKILL)
        children["worker"].wait()
        killed_at = time.monotonic()
        emails_at_kill = sum(emails(mail_dir).values()) - sum(sent_before.values())
        time.sleep(2)
        children["worker"] = stack.celery_worker(env, tmp / "worker2.log")
        wait_sent(url, 240)
        result = {f"{k} (both runs)": v for k, v in tally(url, mail_dir).items()}
        result = {
            "bookings (status: count)": dict(codes),
            "claimed rows at the kill": in_flight.get("claimed", 0),
            "pending rows at the kill": in_flight.get("pending", 0),
            "emails written for these bookings before the kill": emails_at_kill,
            "claim timeout (REMINDERS_CLAIM_TIMEOUT), s": args.claim_timeout,
            "all due rows sent, s after the kill": round(time.monotonic() - killed_at, 1),
            **result,
        }
        results.append(("(b) Celery worker SIGKILL mid-send", result))
    finally:
        stack.stop(*children.values())
        redis_down()

    for title, result in results:
        print(f"\n{title}\n")
        print(f"| {'measure':<80} | {'value':>12} |")
        print(f"|{'-' * 82}|{'-' * 13}:|")
        for key, value in result.items():
            print(f"| {key:<80} | {str(value):>12} |")
    print("\n(c) PostgreSQL restarted under load: bench/faults_pg.py (it needs a PostgreSQL server of its own).")
    print(f"\nlogs and mail: {tmp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
