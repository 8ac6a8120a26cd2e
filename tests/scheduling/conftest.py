from dataclasses import dataclass

import pytest

from practice import roles
from tests.factories.practice import (
    CareTeamMemberFactory,
    ClientFactory,
    ClinicianFactory,
    MembershipFactory,
    PracticeFactory,
)
from tests.factories.scheduling import AppointmentTypeFactory, RoomFactory, working_every_day


@dataclass
class Sched:
    practice: object
    front_desk: object
    clinician: object
    clinician2: object
    client: object
    client2: object
    portal: object
    session: object
    room: object
    room2: object


def build_sched(tz: str = "America/New_York") -> Sched:
    practice = PracticeFactory(time_zone=tz, settings={"mfa_required": False, "series_horizon_days": 500})
    front_desk = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    clinician = ClinicianFactory(membership__practice=practice, time_zone=tz)
    clinician2 = ClinicianFactory(membership__practice=practice, time_zone=tz)
    working_every_day(clinician)
    working_every_day(clinician2)
    portal = MembershipFactory(practice=practice, roles=[roles.CLIENT])
    client = ClientFactory(practice=practice, portal_membership=portal, time_zone=tz)
    client2 = ClientFactory(practice=practice, time_zone=tz)
    CareTeamMemberFactory(practice=practice, client=client, clinician=clinician)
    CareTeamMemberFactory(practice=practice, client=client2, clinician=clinician2)
    session = AppointmentTypeFactory(practice=practice, buffer_after_minutes=10, client_bookable=True)
    room = RoomFactory(location__practice=practice)
    room2 = RoomFactory(location=room.location)
    return Sched(practice, front_desk, clinician, clinician2, client, client2, portal, session, room, room2)


@pytest.fixture
def sched(db) -> Sched:
    return build_sched()
