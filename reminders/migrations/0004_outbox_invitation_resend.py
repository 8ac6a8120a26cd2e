# An intake invitation sent again (`intake_invitation_resend`): a row per resend, outside the once-ever rule of
# messages about a subject, and at most one invitation of either kind per packet on its way (pending or claimed).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reminders', '0003_details_changed_notice'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='outboundmessage',
            name='outbound_message_unique_client_subject',
        ),
        migrations.AlterField(
            model_name='outboundmessage',
            name='kind',
            field=models.CharField(choices=[('confirmation', 'Booking confirmation'), ('reminder', 'Reminder'), ('rescheduled', 'Reschedule notice'), ('details_changed', 'Change of place notice'), ('cancelled', 'Cancellation notice'), ('intake_invitation', 'Intake invitation'), ('intake_invitation_resend', 'Intake invitation (sent again)'), ('intake_nudge', 'Incomplete intake nudge'), ('risk_flag_review', 'Questionnaire review notice (clinician)'), ('note_overdue', 'Overdue note notice (author)')], max_length=30),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('client__isnull', False), models.Q(('subject_type', ''), _negated=True), models.Q(('kind', 'intake_invitation_resend'), _negated=True)), fields=('client', 'kind', 'subject_type', 'subject_id'), name='outbound_message_unique_client_subject'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('client__isnull', False), ('kind__in', ['intake_invitation', 'intake_invitation_resend']), ('status__in', ['pending', 'claimed'])), fields=('client', 'subject_type', 'subject_id'), name='outbound_message_one_live_invitation'),
        ),
    ]
