"""Demo notes set-up for `manage.py seed_demo`: the 3RS taxonomy and note templates. Idempotent."""

from practice.models import Practice


def seed(*, practice: Practice) -> None:
    from notes.services import taxonomy_seed

    taxonomy_seed(practice=practice)
