"""Core's own dashboard panels, navigation, record sections and scheduled jobs."""

from django.utils.translation import gettext_lazy as _

from core import access, registry
from core.history import history_of

registry.register_nav(registry.NavItem(_("My work"), "core:dashboard", "dashboard.view", order=0))
registry.register_nav(registry.NavItem(_("Users"), "core:user_list", "users.manage", order=900))
registry.register_nav(registry.NavItem(_("Regulatory parameters"), "core:parameter_list", "parameters.view", order=910))

registry.register_panel(
    registry.Panel(
        key="core.roles",
        title=_("Your roles"),
        template="core/panels/roles.html",
        capability=access.SIGNED_IN,
        context=lambda request: {"roles": [access.Role(r).label for r in sorted(access.roles_of(request.user))]},
        order=1000,
    )
)
registry.register_panel(
    registry.Panel(
        key="core.administration",
        title=_("Administration"),
        template="core/panels/administration.html",
        capability="users.manage",
        order=900,
    )
)

# Every record page may show its history to those who may read histories.
registry.register_section(
    "*",
    registry.Section(
        key="core.history",
        title=_("History"),
        template="core/sections/history.html",
        capability="history.view",
        context=lambda request, record: {"entries": history_of(record)},
        order=1000,
    ),
)


def _prune_task_results() -> str:
    """Delete finished background-task results older than the retention period."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=settings.TASK_RESULT_RETENTION_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return f"pruned {deleted} task results"


registry.register_job(registry.ScheduledJob(name="core.prune_task_results", run=_prune_task_results))


def _sign_in_retention() -> str:
    from core.retention import apply_sign_in_retention

    return apply_sign_in_retention()


registry.register_job(registry.ScheduledJob(name="core.sign_in_retention", run=_sign_in_retention))


def _seed_ministry(scale):
    from core.demo import seed_ministry

    return seed_ministry(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="core.ministry_users", seed=_seed_ministry, order=0))
