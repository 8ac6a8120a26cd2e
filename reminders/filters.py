import django_filters

from reminders.models import Channel, OutboundMessage


class OutboundMessageFilter(django_filters.FilterSet):
    # Plain numbers, not model choices: an id of another practice must answer like an unknown id (empty).
    appointment = django_filters.NumberFilter(field_name="appointment_id")
    client = django_filters.NumberFilter(field_name="client_id")
    status = django_filters.ChoiceFilter(choices=OutboundMessage.Status.choices)
    kind = django_filters.ChoiceFilter(choices=OutboundMessage.Kind.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = OutboundMessage
        fields: list[str] = []
