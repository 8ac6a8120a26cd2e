from django.apps import AppConfig


class WebConfig(AppConfig):
    """The browser shell: sign-in and second factor, base layout, navigation, error pages."""

    name = "backend.web"
    label = "web"
    verbose_name = "Web app shell"

    def ready(self):
        from backend.web import shell_nav  # noqa: F401  (the shell's own navigation entries)
