from celery import shared_task

from intake import invitations
from intake.services.nudges import intake_nudges_queue
from intake.services.schedules import schedules_run


@shared_task(acks_late=True)
def measure_schedules_run_task() -> int:
    return schedules_run()


@shared_task(acks_late=True)
def packet_invitation_send_task(packet_id: int) -> bool:
    """Queue a packet's invitation on the outbox (idempotent: one row per packet); the reminders dispatcher
    sends it. Kept for callers that assign outside a transaction; `packet_assign` queues it itself."""
    return invitations.packet_invitation_send(packet_id=packet_id)


@shared_task(acks_late=True, ignore_result=True)
def intake_nudges_queue_task() -> int:
    """Beat ("reminders-intake-nudges", every 5 minutes): queue nudges for incomplete intake packets.
    The rows are then sent by the dispatcher like every other outbox message."""
    return intake_nudges_queue()
