from django.conf import settings
from django.core.management.base import BaseCommand

from practice.services.practices import FIRST_RUN_MAX_AGE, first_run_token


class Command(BaseCommand):
    help = "Print a one-time link to the first-run page (start another practice from the browser)."

    def handle(self, *args, **options):
        self.stdout.write(f"{settings.PUBLIC_BASE_URL}/welcome/?token={first_run_token()}")
        self.stdout.write(f"It works for {FIRST_RUN_MAX_AGE // 3600} hours and for one practice.")
