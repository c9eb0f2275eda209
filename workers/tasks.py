"""Background work of workers: checking and importing uploaded files. Tasks take ids, never model instances."""

from django_tasks import task


@task()
def validate_worker_import(import_id: int) -> str:
    """Check every row of an uploaded file and store the report."""
    from workers.importing import validate_import

    return validate_import(import_id)


@task()
def run_worker_import(import_id: int) -> str:
    """Import a confirmed file in one transaction: every worker or none."""
    from workers.importing import run_import

    return run_import(import_id)
