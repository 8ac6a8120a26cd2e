"""Benchmark: the way in (issue 17), in one process. The companion of bench/way_in.py for a shared machine.

The same two endpoints (bench/way_in_urls.py, the product's settings with DEBUG off) called through Django's WSGI
handler as gunicorn calls it (request_started / request_finished, so the connection health check too), one request
to each in turn, and the CPU of each request read from the process's own clock (CLOCK_PROCESS_CPUTIME_ID) around
it. Interleaving request by request puts any drift of the machine's load on both endpoints alike, so the ratio
holds still where bench/way_in.py's requests/s and /proc figures swing with other people's work. What it does not
see: gunicorn's own parsing and threads (the same for both endpoints) and PostgreSQL's CPU.

    DATABASE_URL=postgres://postgres@localhost:5432/attune_wayin REDIS_URL=redis://localhost:6379/11 \\
        .venv/bin/python bench/way_in_inprocess.py [--requests 3000] [--profile /tmp/way_in]

`--profile PREFIX` then writes a cProfile (on the CPU clock) of each endpoint to PREFIX_django.prof and
PREFIX_api.prof, to read with `python -m pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["DJANGO_SETTINGS_MODULE"] = "way_in_settings"
os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory: not a figure

from way_in import prepare  # noqa: E402


def environ(path: str, headers: dict[str, str]) -> dict:
    """What gunicorn hands the application for a keep-alive GET from bench/way_in.py's clients."""
    env = {
        "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8791", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8791", "HTTP_ACCEPT_ENCODING": "identity", "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
    }  # fmt: skip
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000, help="requests to each endpoint")
    parser.add_argument("--profile", default="", help="also write a cProfile of each endpoint to PREFIX_*.prof")
    args = parser.parse_args()

    slug, token, cookie = prepare()
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    endpoints = {
        "django": ("/bench/django/", {"Cookie": cookie}),
        "api": ("/bench/api/", {"Authorization": f"Token {token}", "X-Practice": slug}),
    }
    statuses: list[str] = []

    def call(name: str) -> None:
        body = application(environ(*endpoints[name]), lambda status, headers, exc_info=None: statuses.append(status))
        b"".join(body)
        body.close()

    for _ in range(300):  # warm: connection, caches, the first token renewal
        for name in endpoints:
            call(name)
    if any(not status.startswith("200") for status in statuses):
        raise SystemExit(f"not every warm-up request answered 200: {sorted(set(statuses))}")

    clock = time.process_time
    samples: dict[str, list[float]] = {name: [] for name in endpoints}
    for _ in range(args.requests):
        for name in endpoints:
            start = clock()
            call(name)
            samples[name].append(clock() - start)

    print(f"\nin-process, WSGI handler, {args.requests} requests to each endpoint, interleaved")
    print(f"{'endpoint':28} {'mean ms':>8} {'median ms':>10} {'x django (mean)':>16} {'x django (median)':>18}")
    base_mean = statistics.fmean(samples["django"])
    base_median = statistics.median(samples["django"])
    labels = {"django": "bare Django view (session)", "api": "bare DRF endpoint (token)"}
    for name, values in samples.items():
        mean, median = statistics.fmean(values), statistics.median(values)
        print(
            f"{labels[name]:28} {mean * 1000:>8.3f} {median * 1000:>10.3f} "
            f"{mean / base_mean:>16.2f} {median / base_median:>18.2f}"
        )
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))

    if args.profile:
        for name in endpoints:
            profile = cProfile.Profile(clock)
            profile.enable()
            for _ in range(min(args.requests, 2000)):
                call(name)
            profile.disable()
            profile.dump_stats(f"{args.profile}_{name}.prof")
        print(f"profiles: {args.profile}_django.prof, {args.profile}_api.prof")


if __name__ == "__main__":
    main()
