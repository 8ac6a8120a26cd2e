from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from scheduling import nav  # noqa: F401  (registers the schedule's pages in the navigation)
