"""Locust load mix for Attune (run through bench/load_run.py, which starts gunicorn and prints the table).

Users, all against the demo practice `harbor` (manage.py seed_demo):
- front desk: client list, appointment list, free slots, and bookings (POST /appointments/);
- clinician: a progress-note draft (POST /progress-notes/) then autosaves (PATCH);
- client: intake draft saves (PATCH /intake/responses/{id}/) on a packet assigned at start;
- every user also hits the baseline endpoints GET /healthz and GET /auth/me/ in the same run.

Log-in is rate limited (30/min per address), so each role logs in once at test start and all users
of that role share the token. A booking that lands on a taken time (409) is counted as a success in
its own row "POST /appointments/ [409 clash]": the database refusing a double booking is correct.
"""

from __future__ import annotations

import datetime as dt
import random

import requests
from locust import HttpUser, between, events, task

PASSWORD = "attune-demo-pass"
SLUG = "harbor"
SETUP: dict = {}


def _api(host: str, token: str | None, method: str, path: str, **kwargs):
    headers = {"X-Practice": SLUG}
    if token:
        headers["Authorization"] = f"Token {token}"
    response = requests.request(method, f"{host}/api/v1{path}", headers=headers, timeout=30, **kwargs)
    response.raise_for_status()
    return response.json() if response.content else None


def _results(body):
    return body["results"] if isinstance(body, dict) and "results" in body else body


@events.test_start.add_listener
def _setup(environment, **_):
    host = environment.host
    tokens = {}
    for role, email in {
        "fd": "frontdesk@harbor.test",
        "cl": "okafor@harbor.test",
        "su": "reyes@harbor.test",
        "ad": "admin@harbor.test",
        "pt": "jordan@harbor.test",
    }.items():
        tokens[role] = _api(host, None, "POST", "/auth/login/", json={"email": email, "password": PASSWORD})["token"]
    types = _results(_api(host, tokens["fd"], "GET", "/appointment-types/"))
    clients = _results(_api(host, tokens["fd"], "GET", "/clients/?page_size=100"))
    clinicians = _results(_api(host, tokens["fd"], "GET", "/clinicians/"))
    caseload = _results(_api(host, tokens["cl"], "GET", "/clients/"))
    # One intake packet (PHQ-9) for the client user, so draft saves have a response to write to.
    forms = _results(_api(host, tokens["fd"], "GET", "/intake/forms/?page_size=100"))
    phq9 = next(f for f in forms if "PHQ" in (f.get("name") or "") or f.get("code") == "phq9")
    jordan = next(c for c in clients if c.get("email") == "jordan@harbor.test")
    _api(
        host,
        tokens["fd"],
        "POST",
        "/intake/packets/",
        json={"client": jordan["id"], "forms": [phq9["id"]], "send_invitation": False},
    )
    responses = _results(_api(host, tokens["pt"], "GET", "/intake/responses/?status=draft"))
    response = _api(host, tokens["pt"], "GET", f"/intake/responses/{responses[0]['id']}/")
    questions = [q for section in response["definition"]["sections"] for q in section["questions"]]
    SETUP.update(
        tokens=tokens,
        type_id=next(t["id"] for t in types if t["name"] == "Individual session"),
        client_ids=[c["id"] for c in clients],
        clinician_ids=[c["id"] for c in clinicians],
        caseload_ids=[c["id"] for c in caseload],
        response_id=response["id"],
        questions=[(q["id"], [c["value"] for c in q["choices"]]) for q in questions if q.get("choices")],
    )


class _Base(HttpUser):
    abstract = True
    wait_time = between(0.2, 1.0)
    role = "fd"

    def on_start(self):
        self.client.headers.update({"Authorization": f"Token {SETUP['tokens'][self.role]}", "X-Practice": SLUG})

    @task(1)
    def healthz(self):
        self.client.get("/healthz", name="baseline GET /healthz")

    @task(1)
    def me(self):
        self.client.get("/api/v1/auth/me/", name="baseline GET /auth/me/")


class FrontDesk(_Base):
    weight = 3
    role = "fd"

    @task(3)
    def clients(self):
        self.client.get("/api/v1/clients/", name="GET /clients/")

    @task(3)
    def appointments(self):
        self.client.get("/api/v1/appointments/", name="GET /appointments/")

    @task(2)
    def slots(self):
        start = dt.date.today() + dt.timedelta(days=random.randint(1, 60))
        self.client.get(
            f"/api/v1/slots/?appointment_type={SETUP['type_id']}&date_from={start}"
            f"&date_to={start + dt.timedelta(days=6)}&tz=America/New_York",
            name="GET /slots/ (7 days)",
        )

    @task(2)
    def book(self):
        day = dt.date.today() + dt.timedelta(days=random.randint(400, 1400))
        starts = dt.datetime.combine(day, dt.time(random.randint(0, 23), random.choice((0, 30))), dt.UTC)
        with self.client.post(
            "/api/v1/appointments/",
            json={
                "clinician": random.choice(SETUP["clinician_ids"]),
                "clients": [random.choice(SETUP["client_ids"])],
                "appointment_type": SETUP["type_id"],
                "starts_at": starts.strftime("%Y-%m-%dT%H:%M:00Z"),
                "mode": "telehealth",
                "video_link": "https://video.example.org/load",
                "outside_availability": True,
            },
            name="POST /appointments/ (book)",
            catch_response=True,
        ) as response:
            if response.status_code == 409:
                response.success()
                events.request.fire(
                    request_type="POST",
                    name="POST /appointments/ [409 clash]",
                    response_time=response.elapsed.total_seconds() * 1000,
                    response_length=0,
                    exception=None,
                    context={},
                )


class Clinician(_Base):
    weight = 2
    role = "cl"

    def on_start(self):
        super().on_start()
        self.note = None

    @task(1)
    def draft(self):
        response = self.client.post(
            "/api/v1/progress-notes/",
            json={
                "client": random.choice(SETUP["caseload_ids"]),
                "content": {"focus": "Load test draft.", "process": "Draft text."},
            },
            name="POST /progress-notes/ (draft)",
        )
        if response.status_code == 201:
            self.note = response.json()

    @task(4)
    def autosave(self):
        if not self.note:
            return self.draft()
        response = self.client.patch(
            f"/api/v1/progress-notes/{self.note['id']}/",
            json={
                "version": self.note.get("version"),
                "content": {"plan": f"Plan revision {random.randint(1, 10**6)}."},
                "risk_level": "none",
            },
            name="PATCH /progress-notes/{id}/ (autosave)",
        )
        if response.status_code == 200:
            self.note = response.json()


class IntakeClient(_Base):
    weight = 1
    role = "pt"

    @task(4)
    def save_draft(self):
        qid, choices = random.choice(SETUP["questions"])
        self.client.patch(
            f"/api/v1/intake/responses/{SETUP['response_id']}/",
            json={"answers": {qid: random.choice(choices)}},
            name="PATCH /intake/responses/{id}/ (draft)",
        )
