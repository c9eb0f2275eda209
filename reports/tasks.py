"""Background work of reports. Tasks take ids, never model instances."""

from django_tasks import task


@task()
def generate_compliance_report(report_id: int) -> str:
    """Compute, render and store one requested compliance report."""
    from reports.services import generate_report

    return generate_report(report_id)


@task()
def refresh_dashboard() -> int:
    """Compute the dashboard's figures of every agreement in force (reports.dashboard.refresh_snapshots)."""
    from reports.dashboard import refresh_snapshots

    return refresh_snapshots()
