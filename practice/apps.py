from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practices, people and audit"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        # imported in ready(): other modules load once the app registry is ready (Django's rule for AppConfig)
        from backend.api.sessions import record_login_time

        user_logged_in.connect(record_login_time, dispatch_uid="attune-record-login-time")
        from practice import messages, nav  # noqa: F401  (nav: the admin's pages in the navigation)

        messages.register()  # staff invitations, password resets and portal sign-in links, in the outbox's registry
