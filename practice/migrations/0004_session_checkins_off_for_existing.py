# Session check-ins are on by default for new practices (practice.models.default_practice_settings). A practice
# that existed before them has told its clients nothing about a new message after each session, so it starts with
# them off, written explicitly (the reader's default is on): an admin turns them on in the practice settings.

from django.db import migrations


def checkins_off_for_existing(apps, schema_editor):
    Practice = apps.get_model("practice", "Practice")
    for practice in Practice.objects.all():
        values = practice.settings if isinstance(practice.settings, dict) else {}
        if "session_checkins_enabled" not in values:
            practice.settings = {**values, "session_checkins_enabled": False}
            practice.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0003_client_wants_session_checkins"),
    ]

    operations = [migrations.RunPython(checkins_off_for_existing, migrations.RunPython.noop)]
