"""Background work of notifications. Tasks take ids or nothing, never model instances."""

from django_tasks import task

from notifications.services import send_queued


@task()
def drain_outbox() -> int:
    """Send what is due in the outbox; enqueued after each commit that queued SMS."""
    return send_queued()
