from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"

    def ready(self) -> None:
        from scheduling import messages, nav  # noqa: F401  (nav registers the schedule's pages in the navigation)

        messages.register()  # the appointment messages, in the outbox's registry
