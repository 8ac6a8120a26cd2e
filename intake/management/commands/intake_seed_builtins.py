from django.core.management.base import BaseCommand

from intake.services.forms import builtins_seed
from practice.models import Practice


class Command(BaseCommand):
    help = "Create the built-in intake forms and measures (PHQ-9, GAD-7, ...) for every practice, or one."

    def add_arguments(self, parser):
        parser.add_argument("--practice", help="slug of one practice")

    def handle(self, *args, practice=None, **options):
        practices = Practice.objects.all()
        if practice:
            practices = practices.filter(slug=practice)
        for p in practices:
            created = builtins_seed(practice=p)
            self.stdout.write(f"{p.slug}: {len(created)} created")
