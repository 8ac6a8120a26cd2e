"""What bench/booking.py runs inside each side: the seed (through `manage.py shell`) and the gunicorn config whose
`post_fork` hook counts the statements psycopg sends (see bench/booking.py's docstring)."""

SEED = r"""
import json
from datetime import time
from knox.models import AuthToken
from practice import roles
from reminders.services.policy import reminder_policy_for
from tests.factories.practice import ClientFactory, ClinicianFactory, MembershipFactory, PracticeFactory
from tests.factories.scheduling import AppointmentTypeFactory, working_every_day

threads = int(__THREADS__)
practice = PracticeFactory(slug="bench", time_zone="UTC", settings={"mfa_required": False})
reminder_policy_for(practice=practice)
front_desk = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
kind = AppointmentTypeFactory(practice=practice, duration_minutes=50, buffer_after_minutes=10)
lanes = []
for _ in range(threads):
    clinician = ClinicianFactory(membership__practice=practice, time_zone="UTC")
    working_every_day(clinician, start=time(7, 0), end=time(20, 0))
    lanes.append({"clinician": clinician.pk, "clients": [ClientFactory(practice=practice).pk for _ in range(4)]})
race_clients = [ClientFactory(practice=practice).pk for _ in range(threads)]
token = AuthToken.objects.create(front_desk.user)[1]
print("SEED " + json.dumps({"token": token, "type": kind.pk, "lanes": lanes, "race_clients": race_clients}))
"""

GUNICORN_CONF = r"""
import json, os, threading
bind = "127.0.0.1:__PORT__"
workers = 2
threads = 4
worker_class = "gthread"
keepalive = 30
_out = __OUT__

def post_fork(server, worker):
    import psycopg
    lock = threading.Lock()
    counts = {"execute": 0, "knox_cleanup": 0, "transactions": 0, "requests": 0}
    worker._bench_counts = counts
    worker._bench_lock = lock

    def count(sql):
        text = sql.decode() if isinstance(sql, bytes) else str(sql)
        with lock:
            counts["execute"] += 1
            if 'FROM "knox_authtoken" WHERE "knox_authtoken"."user_id"' in text:
                counts["knox_cleanup"] += 1

    def wrap(cls, name):
        original = getattr(cls, name)
        def wrapper(self, query, *args, **kwargs):
            count(query if isinstance(query, (str, bytes)) else getattr(query, "as_string", lambda c: "")(self))
            return original(self, query, *args, **kwargs)
        setattr(cls, name, wrapper)

    wrap(psycopg.Cursor, "execute")
    wrap(psycopg.Cursor, "executemany")
    for name in ("commit", "rollback"):
        original = getattr(psycopg.Connection, name)
        def txn(self, _original=original):
            if not self.autocommit:
                with lock:
                    counts["transactions"] += 1
            return _original(self)
        setattr(psycopg.Connection, name, txn)

def post_request(worker, req, environ, resp):
    counts = worker._bench_counts
    with worker._bench_lock:  # one writer at a time: the worker's threads finish requests together
        counts["requests"] += 1
        path = os.path.join(_out, f"counts-{os.getpid()}.json")
        with open(path + ".tmp", "w") as handle:
            json.dump(counts, handle)
        os.replace(path + ".tmp", path)
"""
