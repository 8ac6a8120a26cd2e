"""Seed every existing practice with the default 3RS taxonomy and note templates.

New practices get theirs from notes.services.taxonomy_seed (idempotent).
"""

from django.db import migrations


def seed(apps, schema_editor):
    from notes.taxonomy import seed_practice

    Practice = apps.get_model("practice", "Practice")
    models = {name: apps.get_model("notes", name) for name in ("RuptureMarker", "RepairStrategy", "NoteTemplate")}
    for practice_id in Practice.objects.values_list("id", flat=True):
        seed_practice(practice_id, **models)


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
