import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")

app = Celery("attune")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# A task's database connection is handled as Django handles a request's: kept for CONN_MAX_AGE, checked
# before its first query in each task (CONN_HEALTH_CHECKS: a dead one, after a database restart, is replaced
# at once), closed after an error or a transaction left open. Celery's own Django fixup would instead close
# it around every task (CELERY_DB_REUSE_MAX in settings turns that down), so each task paid for a new
# connection: about 18 ms on the busy 2-core machine, a large share of a reminder's send (docs/performance.md).
def _database_connections_around_task(sender: Any = None, **kwargs: Any) -> None:
    # An eager task (`apply()`) runs in its caller's connection and transaction: leave them alone, as the fixup does.
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


task_prerun.connect(_database_connections_around_task, weak=False)
task_postrun.connect(_database_connections_around_task, weak=False)
