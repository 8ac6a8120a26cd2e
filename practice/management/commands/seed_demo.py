import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from practice.demo import CLIENTS, DEMO_PASSWORD, STAFF, seed_demo_practice

# Apps that add demo data of their own expose `<app>.demo.seed(practice=...)`.
DEMO_APPS = ("scheduling", "intake", "notes")


class Command(BaseCommand):
    help = "Create (or leave as it is) the demo practice, its staff, clients and sample data."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data (logins with a published password) is off in these settings. "
                "Set ATTUNE_DEMO_DATA=1 to load it on purpose (compose: `docker compose --profile demo run --rm "
                "seed-demo`)."
            )
        practice = seed_demo_practice()
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            module.seed(practice=practice)
        self.stdout.write(self.style.SUCCESS(f"Demo practice '{practice.name}' (X-Practice: {practice.slug})"))
        self.stdout.write(f"Every demo login uses the password: {DEMO_PASSWORD}")
        for login in STAFF:
            self.stdout.write(f"  {login.email:<26} {login.role}")
        for first, last, email, _, _ in CLIENTS:
            self.stdout.write(f"  {email:<26} client ({first} {last})")
