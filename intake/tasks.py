from celery import shared_task

from intake import invitations, services


@shared_task(acks_late=True)
def measure_schedules_run_task() -> int:
    return services.schedules_run()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=6)
def packet_invitation_send_task(packet_id: int) -> bool:
    return invitations.packet_invitation_send(packet_id=packet_id)
