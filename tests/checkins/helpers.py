"""Sessions, completions and answered check-ins for the session check-in tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from intake.models import SessionCheckIn
from intake.services.responses import response_save_draft, response_submit
from scheduling.services.appointment_changes import appointment_transition
from tests.factories.intake import seeded
from tests.factories.reminders import appointment_row

ALLIANCE = {"alliance_heard": 9, "alliance_goals": 9, "alliance_approach": 9, "alliance_overall": 9}


def session(world, *, clients=None, days_ago=1, status="scheduled", tenant=None, clinician=None):
    t = tenant or world.p
    seeded(t.practice)
    return appointment_row(
        clinician=clinician or t.clinician,
        clients=clients or [t.client_a],
        status=status,
        starts_at=timezone.now() - timedelta(days=days_ago),
    )


def complete(world, appointment, *, tenant=None):
    t = tenant or world.p
    return appointment_transition(actor=t.members["front_desk"], appointment=appointment, to_status="completed")


def answer(checkin: SessionCheckIn, *, felt_strain="no", talked_through=None, for_next_time="", alliance=None):
    answers = {**(alliance or ALLIANCE), "felt_strain": felt_strain}
    if talked_through:
        answers["talked_through"] = talked_through
    if for_next_time:
        answers["for_next_time"] = for_next_time
    response_save_draft(response=checkin.response, answers=answers, via_link=True)
    response_submit(response=checkin.response, via_link=True)
    checkin.refresh_from_db()
    return checkin


def completed_checkin(world, *, days_ago=1, tenant=None, client=None, **answers) -> SessionCheckIn:
    t = tenant or world.p
    client = client or t.client_a
    clinician = client.care_team.get().clinician
    appointment = session(world, days_ago=days_ago, tenant=t, clients=[client], clinician=clinician)
    complete(world, appointment, tenant=t)
    checkin = SessionCheckIn.objects.get(appointment=appointment, client=client)
    return answer(checkin, **answers) if answers else checkin
