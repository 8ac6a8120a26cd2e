from django.apps import AppConfig


class NotesConfig(AppConfig):
    name = "notes"

    def ready(self) -> None:
        from notes import nav  # noqa: F401  (the therapist's and the supervisor's pages in the navigation)
