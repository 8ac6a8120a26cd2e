"""The demo practice that `make run` shows. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from practice import roles
from practice.models import CareTeamMember, Client, Clinician, Membership, Practice, Supervision, User

DEMO_PASSWORD = "attune-demo-pass"
DEMO_SLUG = "harbor"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    full_name: str


STAFF = [
    DemoLogin("admin@harbor.test", "admin", "Ada Morgan"),
    DemoLogin("frontdesk@harbor.test", "front_desk", "Frank Desai"),
    DemoLogin("reyes@harbor.test", "clinician + supervisor", "Dr. Elena Reyes"),
    DemoLogin("okafor@harbor.test", "clinician (supervised by Dr. Reyes)", "Sam Okafor"),
]
CLIENTS = [
    ("Jordan", "Lee", "jordan@harbor.test", "they/them", "okafor@harbor.test"),
    ("Maya", "Patel", "maya@harbor.test", "she/her", "okafor@harbor.test"),
    ("Chris", "Novak", "chris@harbor.test", "he/him", "reyes@harbor.test"),
    ("Ana", "Silva", "ana@harbor.test", "she/her", "reyes@harbor.test"),
]
ROLE_MAP = {
    "admin@harbor.test": [roles.ADMIN],
    "frontdesk@harbor.test": [roles.FRONT_DESK],
    "reyes@harbor.test": [roles.CLINICIAN, roles.SUPERVISOR],
    "okafor@harbor.test": [roles.CLINICIAN],
}


def _user(email: str, full_name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed_demo_practice() -> Practice:
    practice, _ = Practice.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "Harbor Relational Therapy",
            "time_zone": "America/New_York",
            "settings": {"mfa_required": False},
        },  # so the README tour logs in with a password
    )
    clinicians: dict[str, Clinician] = {}
    for login in STAFF:
        user = _user(login.email, login.full_name)
        membership, _ = Membership.objects.get_or_create(
            user=user, practice=practice, defaults={"roles": ROLE_MAP[login.email]}
        )
        if membership.has_role(roles.CLINICIAN):
            clinicians[login.email], _ = Clinician.objects.get_or_create(
                membership=membership,
                defaults={
                    "practice": practice,
                    "credentials": "PhD" if "reyes" in login.email else "LMFT",
                    "license_number": "LIC-" + login.email[:4].upper(),
                    "time_zone": practice.time_zone,
                },
            )
    Supervision.objects.get_or_create(
        practice=practice, supervisor=clinicians["reyes@harbor.test"], supervisee=clinicians["okafor@harbor.test"]
    )
    for first, last, email, pronouns, clinician_email in CLIENTS:
        user = _user(email, f"{first} {last}")
        portal, _ = Membership.objects.get_or_create(user=user, practice=practice, defaults={"roles": [roles.CLIENT]})
        client, _ = Client.objects.get_or_create(
            practice=practice,
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "pronouns": pronouns,
                "portal_membership": portal,
                "phone": "+14155550100",
                "email_consent": True,
                "time_zone": practice.time_zone,
            },
        )
        CareTeamMember.objects.get_or_create(practice=practice, client=client, clinician=clinicians[clinician_email])
    return practice
