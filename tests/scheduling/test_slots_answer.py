"""GET /slots/ writes its body as text (`slots_json`): it must be byte for byte what DRF's JSONRenderer made of the
list of dicts the view answered before, in any zone, across daylight-saving changes, telehealth and in person."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from knox.models import AuthToken
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from scheduling.apis.availability import slots_json
from scheduling.services.slots import slots_for
from tests.factories.scheduling import working_every_day

DATE_FROM, DATE_TO = date(2027, 3, 8), date(2027, 3, 16)  # New York springs forward on 14 March


def _rendered_as_before(slots: list[dict], tz: str) -> bytes:
    return JSONRenderer().render(
        [
            {"clinician": s["clinician"], "starts_at": s["starts_at"], "ends_at": s["ends_at"], "time_zone": tz}
            for s in slots
        ]
    )


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kathmandu", "Etc/GMT+5", "America/Argentina/Buenos_Aires"])
@pytest.mark.parametrize("mode", ["telehealth", "in_person"])
def test_the_answer_is_what_drf_rendered_of_the_same_slots(sched, tz, mode):
    working_every_day(sched.clinician)
    working_every_day(sched.clinician2)
    api = APIClient()
    _, token = AuthToken.objects.create(sched.front_desk.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=sched.practice.slug)
    params = {
        "appointment_type": sched.session.pk,
        "clinician": [sched.clinician.pk, sched.clinician2.pk],
        "date_from": DATE_FROM.isoformat(),
        "date_to": DATE_TO.isoformat(),
        "tz": tz,
        "mode": mode,
    }

    response = api.get("/api/v1/slots/", params)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    slots = slots_for(
        appointment_type=sched.session,
        clinicians=[sched.clinician, sched.clinician2],
        date_from=DATE_FROM,
        date_to=DATE_TO,
        tz=ZoneInfo(tz),
        mode=mode,
        as_text=True,
    )
    assert len(slots) > 9 * 2 * 40
    assert response.content == _rendered_as_before(slots, tz)


def test_a_zone_name_is_escaped_as_json_would_and_an_empty_answer_is_a_list():
    slot = {"clinician": 7, "starts_at": "2027-03-08T09:00:00-05:00", "ends_at": "2027-03-08T09:50:00-05:00"}
    odd = 'A/"quoted"\\zone\u00e9'  # no such zone: the function alone, escaping what a name could hold
    assert slots_json([slot], odd) == _rendered_as_before([slot], odd)
    assert slots_json([], "UTC") == JSONRenderer().render([]) == b"[]"
