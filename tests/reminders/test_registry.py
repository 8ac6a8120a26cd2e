"""The outbox as a registry: every kind has the handler its app registered, a kind without one is closed with a
reason, and the text comes from plain-text templates (never HTML-escaped)."""

from datetime import UTC, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reminders import registry
from reminders.models import OutboundMessage
from reminders.services import outbox
from scheduling.models import Status
from tests.factories.intake import packet_for
from tests.factories.reminders import OutboundMessageFactory, appointment_row
from tests.reminders.outbox import outbox_deliver

Kind = OutboundMessage.Kind
St = OutboundMessage.Status


def test_every_outbox_kind_has_the_handler_its_app_registered():
    assert registry.registered_kinds() == set(Kind.values)
    assert registry.handler_for(Kind.REMINDER).check.__module__ == "scheduling.messages"
    assert registry.handler_for(Kind.INTAKE_NUDGE).check.__module__ == "intake.messages"
    assert registry.handler_for(Kind.NOTE_OVERDUE).check.__module__ == "notes.messages"
    assert registry.handler_for(Kind.PASSWORD_RESET).check.__module__ == "practice.messages"


def test_a_second_handler_for_a_registered_kind_is_refused():
    other = registry.Handler(check=lambda m, now: registry.Check(), render=lambda m, c: registry.Rendered("", ""))
    with pytest.raises(ValueError, match="already has a handler"):
        registry.register([Kind.REMINDER], other)
    registry.register([Kind.REMINDER], registry.handler_for(Kind.REMINDER))  # the same one again: harmless


def test_the_outbox_reads_appointment_statuses_with_scheduling_values():
    # The outbox imports no domain app, so it names the statuses it reads by value: they must stay scheduling's.
    for name in ("SCHEDULED", "CONFIRMED", "CANCELLED", "LATE_CANCELLED"):
        assert getattr(outbox.Status, name) == getattr(Status, name).value


@pytest.fixture
def appointment(world):
    return appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )


@pytest.mark.django_db
def test_a_kind_with_no_handler_is_cancelled_with_a_reason_not_sent(world, appointment, monkeypatch):
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    monkeypatch.delitem(registry._handlers, Kind.REMINDER.value)
    assert outbox_deliver(now=row.due_at) == [St.CANCELLED]
    row.refresh_from_db()
    assert (row.status, row.skip_reason, row.attempts) == (St.CANCELLED, registry.NO_HANDLER, 0)
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_appointment_reminder_is_exactly_its_template_text(world, appointment):
    practice = world.p.practice
    practice.name = "Smith & Jones <Therapy>"  # plain text: never HTML-escaped
    practice.save()
    client = world.p.client_a
    client.time_zone = "UTC"
    client.save()
    row = OutboundMessageFactory(appointment=appointment, client=client)
    assert outbox_deliver(now=row.due_at) == [St.SENT]
    [email] = mail.outbox
    when = appointment.starts_at.astimezone(UTC).strftime("%A %-d %B %Y, %H:%M UTC")
    assert email.subject == f"Reminder: your appointment with Smith & Jones <Therapy> ({when})"
    links = [line.split(": ", 1)[1] for line in email.body.splitlines() if line.startswith(("Confirm:", "Cancel:"))]
    confirm, cancel = links
    assert "/appointment-link/?token=" in confirm and confirm != cancel
    assert email.body == (
        "Reminder: your appointment with Smith & Jones <Therapy>.\n"
        "\n"
        f"When: {when}\n"
        "Where: Online: https://video.example/r1\n"
        "\n"
        f"Confirm: {confirm}\n"
        f"Cancel: {cancel}\n"
        "\n"
        f"Cancelling less than {practice.cancellation_window_hours} hours before may count as a late cancellation.\n"
    )


@pytest.mark.django_db
def test_an_intake_invitation_is_exactly_its_template_text(world):
    practice = world.p.practice
    practice.name = "Smith & Jones"
    practice.save()
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    assert outbox_deliver() == [St.SENT]
    [email] = mail.outbox
    assert email.subject == "Forms from Smith & Jones"
    [link] = [line for line in email.body.splitlines() if line.startswith("http")]
    opening = "Smith & Jones has asked you to complete some forms"
    opening += f" by {packet.due_on:%-d %B %Y}." if packet.due_on else "."
    assert email.body == (
        "Hello,\n"
        "\n"
        f"{opening}\n"
        "\n"
        "Open this private link to fill them in (it works for 14 days):\n"
        f"{link}\n"
        "\n"
        "Your answers are saved as you go, so you can stop and come back later.\n"
        "\n"
        "Smith & Jones\n"
    )
    packet.refresh_from_db()
    assert packet.invitation_sent_at is not None  # intake's on_sent hook
