from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from practice.models import Practice


def _seed_taxonomy(*, instance: Practice, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """Every practice has its rupture/repair taxonomy and note templates from the moment it exists, however it
    is created (practice_create, the admin, a fixture-less test factory), in the same transaction: reads never
    seed. A fixture being loaded (`raw`) brings its own rows."""
    if not created or raw:
        return
    # Not at module level: an AppConfig module is imported before the models are loaded.
    from notes.services import taxonomy_seed

    taxonomy_seed(practice=instance)


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from django.db.models.signals import post_save

        from notes import messages, nav  # noqa: F401  (nav: the therapist's and the supervisor's pages)

        # A new practice starts with the rupture/repair taxonomy (same transaction: no practice without it).
        post_save.connect(_seed_taxonomy, sender="practice.Practice", dispatch_uid="notes-seed-taxonomy")
        messages.register()  # the overdue-note notice, in the outbox's registry
