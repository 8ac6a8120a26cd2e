from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"

    def ready(self) -> None:
        from intake import messages

        messages.register()  # invitations, nudges, check-ins and risk-flag notices, in the outbox's registry
