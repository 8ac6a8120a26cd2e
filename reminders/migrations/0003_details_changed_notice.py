# A change-of-place notice (`details_changed`): unique only while it waits, so every change of place at the
# same time can be told; the other appointment messages keep their live-row guarantee.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0002_outbox_other_messages'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='outboundmessage',
            name='outbound_message_unique_live',
        ),
        migrations.AlterField(
            model_name='outboundmessage',
            name='kind',
            field=models.CharField(choices=[('confirmation', 'Booking confirmation'), ('reminder', 'Reminder'), ('rescheduled', 'Reschedule notice'), ('details_changed', 'Change of place notice'), ('cancelled', 'Cancellation notice'), ('intake_invitation', 'Intake invitation'), ('intake_nudge', 'Incomplete intake nudge'), ('risk_flag_review', 'Questionnaire review notice (clinician)'), ('note_overdue', 'Overdue note notice (author)')], max_length=30),
        ),
        migrations.AlterField(
            model_name='reminderpolicy',
            name='send_change_notices',
            field=models.BooleanField(default=True, help_text='A notice on reschedule, change of place and cancellation.'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('appointment__isnull', False), models.Q(('status', 'cancelled'), _negated=True), models.Q(('kind', 'details_changed'), _negated=True)), fields=('appointment', 'client', 'kind', 'channel', 'offset_minutes', 'scheduled_for'), name='outbound_message_unique_live'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('appointment__isnull', False), ('kind', 'details_changed'), ('status', 'pending')), fields=('appointment', 'client', 'kind'), name='outbound_message_unique_waiting_details'),
        ),
    ]
