from datetime import date, time

import factory
from factory.django import DjangoModelFactory

from scheduling.models import AppointmentType, AvailabilityException, AvailabilityRule, Location, Room
from tests.factories.practice import PracticeFactory


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Office {n}")
    time_zone = "America/New_York"


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = Room

    location = factory.SubFactory(LocationFactory)
    practice = factory.SelfAttribute("location.practice")
    name = factory.Sequence(lambda n: f"Room {n}")


class AppointmentTypeFactory(DjangoModelFactory):
    class Meta:
        model = AppointmentType

    practice = factory.SubFactory(PracticeFactory)
    name = factory.Sequence(lambda n: f"Individual session {n}")
    duration_minutes = 50
    min_notice_hours = 0
    max_advance_days = 730


class AvailabilityRuleFactory(DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    practice = factory.SelfAttribute("clinician.practice")
    weekday = 0
    start_time = time(9, 0)
    end_time = time(17, 0)
    effective_from = date(2020, 1, 1)


class AvailabilityExceptionFactory(DjangoModelFactory):
    class Meta:
        model = AvailabilityException

    practice = factory.SelfAttribute("clinician.practice")
    kind = AvailabilityException.Kind.TIME_OFF


def working_every_day(clinician, start=time(7, 0), end=time(20, 0)):
    """Weekly rules covering every day of the week (in the clinician's own zone)."""
    return [AvailabilityRuleFactory(clinician=clinician, weekday=d, start_time=start, end_time=end) for d in range(7)]
