from celery import shared_task

from intake import invitations
from intake.services.schedules import schedules_run


@shared_task(acks_late=True)
def measure_schedules_run_task() -> int:
    return schedules_run()


@shared_task(acks_late=True)
def packet_invitation_send_task(packet_id: int) -> bool:
    """Queue a packet's invitation on the outbox (idempotent: one row per packet); the reminders dispatcher
    sends it. Kept for callers that assign outside a transaction; `packet_assign` queues it itself."""
    return invitations.packet_invitation_send(packet_id=packet_id)
