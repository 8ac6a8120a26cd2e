from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        # nav registers the therapist's and the supervisor's pages in the navigation
        from notes import messages, nav  # noqa: F401

        messages.register()  # the overdue-note notice, in the outbox's registry
