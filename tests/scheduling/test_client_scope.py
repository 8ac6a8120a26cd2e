"""A caller books only clients they may see (a clinician: their caseload).

Out of scope answers exactly like an id that does not exist: a 400 naming the field. Ids in a request are
scoped at the door (backend/api/scope.py); a series' stored clients are re-checked by the service.
"""

from datetime import date, time, timedelta

import pytest

from core.errors import InvalidInput
from scheduling.models import Appointment, AppointmentSeries, WaitlistEntry
from scheduling.services.booking import appointment_book
from scheduling.services.series import series_create
from scheduling.services.series_changes import series_edit
from tests.factories.practice import ClientFactory
from tests.scheduling.test_api_flows import api_for
from tests.scheduling.test_lifecycle import T0


def unknown_id(field: str, pk: int) -> dict:
    return {field: [f'Invalid pk "{pk}" - object does not exist.']}


def book_as_clinician(s, clients):
    return appointment_book(
        actor=s.clinician.membership,
        clinician=s.clinician,
        clients=clients,
        appointment_type=s.session,
        starts_at=T0,
        mode="telehealth",
    )


def series_as_clinician(s, clients, **kw):
    return series_create(
        actor=s.clinician.membership,
        clinician=s.clinician,
        clients=clients,
        appointment_type=s.session,
        mode="telehealth",
        time_zone="America/New_York",
        start_date=date(2027, 2, 1),
        local_time=time(10),
        rrule="FREQ=WEEKLY",
        count=3,
        **kw,
    )


def _book_via_api(s, client_ids):
    return api_for(s.clinician.membership).post(
        "/api/v1/appointments/",
        {
            "clinician": s.clinician.pk,
            "clients": client_ids,
            "appointment_type": s.session.pk,
            "mode": "telehealth",
            "starts_at": T0.isoformat(),
        },
        format="json",
    )


def test_clinician_cannot_book_a_client_off_their_caseload(sched):
    response = _book_via_api(sched, [sched.client2.pk])  # client2 is on clinician2's caseload only
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == unknown_id("clients", sched.client2.pk)
    assert not Appointment.objects.filter(practice=sched.practice).exists()


def test_clinician_books_a_couple_only_when_both_are_on_their_caseload(sched):
    response = _book_via_api(sched, [sched.client.pk, sched.client2.pk])
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == unknown_id("clients", sched.client2.pk)
    appointment = book_as_clinician(sched, [sched.client])
    assert list(appointment.clients.all()) == [sched.client]


def test_clinician_cannot_start_a_series_for_a_client_off_their_caseload(sched):
    with pytest.raises(InvalidInput) as err:
        series_as_clinician(sched, [sched.client2])
    assert err.value.fields == unknown_id("clients", sched.client2.pk)
    assert not AppointmentSeries.objects.filter(practice=sched.practice).exists()


def test_series_edit_following_rebooks_only_clients_still_on_the_caseload(sched):
    series, report = series_as_clinician(sched, [sched.client])
    assert [e["status"] for e in report] == ["booked"] * 3
    second = series.appointments.order_by("starts_at")[1]
    sched.client.care_team.all().delete()  # the client leaves the clinician's care team
    with pytest.raises(InvalidInput) as err:
        series_edit(
            actor=sched.clinician.membership,
            series=series,
            appointment=second,
            scope="following",
            local_time=time(11),
        )
    assert err.value.fields == unknown_id("clients", sched.client.pk)
    series.refresh_from_db()
    assert series.state == AppointmentSeries.State.ACTIVE and series.count == 3


def test_waitlist_add_refuses_a_client_of_another_practice_like_an_unknown_id(sched):
    stranger = ClientFactory()  # a client of another practice
    response = api_for(sched.front_desk).post(
        "/api/v1/waitlist/", {"client": stranger.pk, "appointment_type": sched.session.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == unknown_id("client", stranger.pk)
    assert not WaitlistEntry.objects.exists()


def test_api_answers_off_caseload_and_unknown_client_alike(sched):
    clinician = api_for(sched.clinician.membership)

    def book(client_id):
        return clinician.post(
            "/api/v1/appointments/",
            {
                "clinician": sched.clinician.pk,
                "clients": [client_id],
                "appointment_type": sched.session.pk,
                "mode": "telehealth",
                "starts_at": (T0 + timedelta(days=1)).isoformat(),
            },
            format="json",
        )

    off_caseload, unknown = book(sched.client2.pk), book(987654321)
    assert off_caseload.status_code == unknown.status_code == 400
    assert off_caseload.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert off_caseload.json()["error"]["fields"] == unknown_id("clients", sched.client2.pk)
    assert unknown.json()["error"]["fields"] == unknown_id("clients", 987654321)
