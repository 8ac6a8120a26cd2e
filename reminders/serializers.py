from rest_framework import serializers

from reminders.models import OutboundMessage, ReminderPolicy


class OutboundMessageSerializer(serializers.ModelSerializer):
    """Delivery status only: the message text is never stored, so it cannot be shown."""

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "appointment",
            "client",
            "kind",
            "channel",
            "offset_minutes",
            "scheduled_for",
            "due_at",
            "status",
            "attempts",
            "sent_at",
            "last_error",
            "skip_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ReminderStepSerializer(serializers.Serializer):
    offset_minutes = serializers.IntegerField(min_value=5, max_value=30 * 24 * 60)
    channel = serializers.ChoiceField(choices=["email", "sms"])


class ReminderPolicySerializer(serializers.ModelSerializer):
    steps = ReminderStepSerializer(many=True)

    class Meta:
        model = ReminderPolicy
        fields = ["steps", "send_confirmation", "send_change_notices", "updated_at"]
        read_only_fields = ["updated_at"]


class LinkQuery(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class LinkOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=["confirm", "cancel"])
    practice = serializers.CharField()
    starts_at = serializers.DateTimeField()
    starts_at_local = serializers.CharField(help_text="In the client's time zone.")
    status = serializers.CharField(help_text="The appointment's status.")
