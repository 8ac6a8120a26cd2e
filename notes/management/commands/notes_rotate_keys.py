"""Re-encrypt every encrypted notes field with the first key of NOTES_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), deploy, run this command, then
remove the old keys. Reading works throughout because every key in the list decrypts.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.fields import EncryptedJSONField, EncryptedTextField
from notes.models import Addendum, ProgressNote, PsychotherapyNote, RuptureEvent, RuptureFollowUp

MODELS = [ProgressNote, RuptureEvent, RuptureFollowUp, Addendum, PsychotherapyNote]
BATCH = 500


def encrypted_fields(model) -> list[str]:
    return [f.name for f in model._meta.get_fields() if isinstance(f, EncryptedTextField | EncryptedJSONField)]


class Command(BaseCommand):
    help = "Re-encrypt note text with the newest NOTES_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        for model in MODELS:
            fields = encrypted_fields(model)
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                with transaction.atomic():
                    rows = list(
                        model.objects.select_for_update().filter(pk__in=ids[start : start + BATCH]).only("pk", *fields)
                    )
                    model.objects.bulk_update(rows, fields)  # loading decrypts; saving encrypts with key 1
            self.stdout.write(f"{model._meta.label}: {len(ids)} rows re-encrypted")
