import factory
from factory.django import DjangoModelFactory

from practice import roles
from practice.models import CareTeamMember, Client, Clinician, Membership, Practice, Supervision, User

PASSWORD = "correct-horse-battery-staple"


class PracticeFactory(DjangoModelFactory):
    class Meta:
        model = Practice

    name = factory.Sequence(lambda n: f"Practice {n}")
    slug = factory.Sequence(lambda n: f"practice-{n}")
    time_zone = "America/New_York"
    settings = factory.LazyFunction(lambda: {"mfa_required": False})  # MFA tests turn it on


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    practice = factory.SubFactory(PracticeFactory)
    roles = factory.LazyFunction(lambda: [roles.FRONT_DESK])


class ClinicianFactory(DjangoModelFactory):
    class Meta:
        model = Clinician

    membership = factory.SubFactory(MembershipFactory, roles=[roles.CLINICIAN])
    practice = factory.SelfAttribute("membership.practice")
    credentials = "LCSW"
    time_zone = "America/New_York"


class ClientFactory(DjangoModelFactory):
    class Meta:
        model = Client

    practice = factory.SubFactory(PracticeFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"client{n}@example.test")
    phone = "+14155550123"
    time_zone = "America/New_York"
    email_consent = True


class CareTeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    client = factory.SubFactory(ClientFactory)
    clinician = factory.SubFactory(ClinicianFactory)
    practice = factory.SelfAttribute("client.practice")


class SupervisionFactory(DjangoModelFactory):
    class Meta:
        model = Supervision

    supervisor = factory.SubFactory(ClinicianFactory)
    supervisee = factory.SubFactory(ClinicianFactory)
    practice = factory.SelfAttribute("supervisor.practice")
