from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from practice.services.members import invitation_token
from practice.services.practices import practice_create


class Command(BaseCommand):
    help = (
        "Start a real practice: the practice with its time zone, the rupture/repair taxonomy and built-in forms "
        "seeded, and an invitation emailed to its first administrator (the link is printed too)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="The practice's name, e.g. 'Riverside Therapy'.")
        parser.add_argument("--time-zone", required=True, help="IANA zone, e.g. America/Chicago.")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-name", default="")
        parser.add_argument("--slug", default="", help="Short name (X-Practice header); made from the name if empty.")

    def handle(self, *args, **options):
        try:
            practice, invitation = practice_create(
                name=options["name"],
                time_zone=options["time_zone"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
                slug=options["slug"],
            )
        except DomainError as exc:
            reasons = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.fields.items())
            raise CommandError(f"{exc.message} {reasons}".strip()) from exc
        self.stdout.write(self.style.SUCCESS(f"Practice '{practice.name}' (X-Practice: {practice.slug}) created."))
        self.stdout.write(f"Invitation to {invitation.email} queued in the outbox. Its link (valid for a week):")
        self.stdout.write(
            f"{settings.PUBLIC_BASE_URL.rstrip('/')}/accept-invitation?token={invitation_token(invitation)}"
        )
