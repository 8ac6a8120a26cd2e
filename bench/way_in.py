"""Benchmark: the way in (issue 17). A bare Django view behind a session against the bare authenticated DRF
endpoint (and the same endpoint through knox's own authentication, as main had it), served by gunicorn
(gthread, 2 workers x 4 threads) and driven by 8 client threads with keep-alive connections, in the same run.

Prints per endpoint: requests/s, SQL statements per request (counted by a bench-only middleware), and the
server's CPU per request: utime + stime of the gunicorn processes from /proc/<pid>/stat over the run (steadier
than requests/s on a shared machine). The endpoints run in turns (`--rounds`), so drift in the machine's load
falls on each of them alike.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_wayin REDIS_URL=redis://localhost:6379/11 \
        .venv/bin/python bench/way_in.py [--seconds 8] [--rounds 3] [--port 8791]

It creates (and migrates) the database named in DATABASE_URL if missing, and a practice of its own in it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "way_in_settings"
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not a figure

from load_stack import create_database, stop  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def prepare() -> tuple[str, str, str]:
    """(practice slug, token, session cookie) of a front-desk member of a practice of the bench's own."""
    create_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection
    from knox.models import AuthToken

    from backend.api.sessions import LOGIN_AT
    from practice import roles
    from tests.factories.practice import MembershipFactory, PracticeFactory

    call_command("migrate", verbosity=0, interactive=False)
    run = uuid.uuid4().hex[:8]  # a practice and a user of this run's own, beside those of earlier runs
    practice = PracticeFactory(slug=f"way-in-{run}", settings={"mfa_required": False})
    member = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK], user__email=f"way-in-{run}@example.test")
    for _ in range(9):  # a user logged in on a few devices: knox's clean-up reads all of them
        AuthToken.objects.create(member.user)
    _, token = AuthToken.objects.create(member.user)
    session = SessionStore()
    session[SESSION_KEY] = str(member.user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = member.user.get_session_auth_hash()
    session[LOGIN_AT] = time.time()
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    connection.close()
    return practice.slug, token, cookie


def server_pids(master: int) -> list[int]:
    pids = [master]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:  # ppid
                pids.append(int(entry))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / CLOCK_TICKS


def drive(port: int, path: str, headers: dict[str, str], seconds: float, threads: int) -> tuple[int, int, int]:
    """(requests, non-200 answers, statements of the last answer) from `threads` keep-alive clients."""
    counts = [0] * threads
    errors = [0] * threads
    queries = [0]
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors[i] += 1
            queries[0] = int(response.getheader("X-Queries", "-1"))
            counts[i] += 1
        conn.close()

    workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts), sum(errors), queries[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    slug, token, cookie = prepare()
    endpoints = {
        "bare Django view (session)": ("/bench/django/", {"Cookie": cookie}),
        "bare DRF endpoint (token)": ("/bench/api/", {"Authorization": f"Token {token}", "X-Practice": slug}),
        "  same, knox's own authentication": (
            "/bench/api-knox/",
            {"Authorization": f"Token {token}", "X-Practice": slug},
        ),
    }
    log = open(Path(tempfile.gettempdir()) / f"way_in_gunicorn_{args.port}.log", "ab")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "backend.wsgi", "--pythonpath", str(ROOT / "bench"),
            "--bind", f"127.0.0.1:{args.port}", "--worker-class", "gthread", "--workers", "2", "--threads", "4",
        ],
        cwd=ROOT, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                probe = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                probe.request("GET", "/bench/django/", headers={"Cookie": cookie})
                status = probe.getresponse().status
                probe.close()
                if status != 200:
                    raise SystemExit(f"the bare Django view answered {status}")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        pids = server_pids(server.pid)
        totals = {name: [0, 0, 0, 0.0, 0.0] for name in endpoints}  # requests, errors, queries, seconds, cpu
        for path, headers in endpoints.values():
            drive(args.port, path, headers, 1.0, args.threads)  # warm: every worker thread has a connection
        for _ in range(args.rounds):
            for name, (path, headers) in endpoints.items():
                cpu0, t0 = cpu_seconds(pids), time.monotonic()
                n, errors, queries = drive(args.port, path, headers, args.seconds, args.threads)
                row = totals[name]
                row[0] += n
                row[1] += errors
                row[2] = queries
                row[3] += time.monotonic() - t0
                row[4] += cpu_seconds(pids) - cpu0
    finally:
        stop(server)
        log.close()

    print(
        f"\ngunicorn gthread 2 workers x 4 threads, {args.threads} client threads, {args.rounds} rounds of "
        f"{args.seconds:.0f} s each"
    )
    print(f"{'endpoint':36} {'requests':>9} {'req/s':>8} {'queries':>8} {'cpu ms/req':>11} {'cpu x django':>13}")
    base_cpu = totals["bare Django view (session)"][4] / max(totals["bare Django view (session)"][0], 1)
    for name, (n, errors, queries, seconds, cpu) in totals.items():
        per = cpu / max(n, 1)
        note = f"  ({errors} not 200)" if errors else ""
        print(f"{name:36} {n:>9} {n / seconds:>8.0f} {queries:>8} {per * 1000:>11.2f} {per / base_cpu:>13.2f}{note}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
