"""Background work of notifications. Tasks take ids or nothing, never model instances."""

from django_tasks import task

from notifications.services import outbox_due, send_queued


@task()
def drain_outbox() -> int:
    """Send what is due in the outbox; enqueued after each commit that queued SMS.

    A run stops after a while (services.DRAIN_SECONDS) so a bulk notice drains in a
    chain of runs at the configured rate; each run hands over to the next.
    """
    attempted = send_queued()
    if attempted and outbox_due():
        drain_outbox.enqueue()
    return attempted
