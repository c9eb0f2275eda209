"""What reports adds to core's registries: the menu entry, the ministry's dashboard panel, the sweeper of
lost report kicks, the dashboard figures' refresh, and a demo report."""

from django.utils.translation import gettext_lazy as _

from core import registry

registry.register_nav(registry.NavItem(_("Reports"), "reports:report_list", "reports.view", order=80))


def _headline_figures(request):
    from reports.dashboard import panel_context

    return panel_context(request)


registry.register_panel(
    registry.Panel(
        key="reports.agreements",
        title=_("Agreements in force: the last twelve months"),
        template="reports/panels/agreements.html",
        capability="reports.view",
        context=_headline_figures,
        order=90,
    )
)


def _sweep():
    from reports.services import sweep_reports

    return sweep_reports()


registry.register_job(registry.ScheduledJob(name="reports.sweep_reports", run=_sweep))


def _refresh_dashboard():
    from reports.dashboard import refresh_snapshots

    return f"{refresh_snapshots()} dashboard snapshot(s) computed"


# The dashboard's figures, kept fresh whether or not anyone looks (the page asks for a refresh too).
registry.register_job(registry.ScheduledJob(name="reports.refresh_dashboard", run=_refresh_dashboard, lease_minutes=30))


def _seed(scale):
    from reports.demo import seed_reports

    return seed_reports(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="reports.reports", seed=_seed, order=90))
