"""Demo intake for `manage.py seed_demo`: the built-in forms and measures. Idempotent."""

from intake.services.forms import builtins_seed
from practice.models import Practice


def seed(*, practice: Practice) -> None:

    builtins_seed(practice=practice)
