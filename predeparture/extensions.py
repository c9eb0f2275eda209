"""What predeparture adds to core's registries: menu entries, the trainer's panel, the worker's training section,
the reminder job and demo data."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import access, registry

registry.register_nav(registry.NavItem(_("Training"), "predeparture:session_list", "training.view", order=30))
registry.register_nav(registry.NavItem(_("Courses"), "predeparture:course_list", "training.manage", order=31))


def _next_sessions(request):
    from predeparture.models import Session, SessionStatus

    sessions = (
        Session.objects.filter(
            trainer=request.user, status__in=[SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS], ends_at__gte=timezone.now()
        )
        .select_related("course")
        .order_by("starts_at")[:5]
    )
    return {"sessions": list(sessions)}


registry.register_panel(
    registry.Panel(
        key="predeparture.next_sessions",
        title=_("Your next sessions"),
        template="predeparture/panels/next_sessions.html",
        capability="training.teach",
        context=_next_sessions,
        order=30,
    )
)


def _worker_training(request, worker):
    from predeparture.models import Enrolment

    enrolments = (
        access.visible_to(request.user, Enrolment.objects.filter(worker=worker))
        .select_related("session__course")
        .prefetch_related("certificate")
        .order_by("-session__starts_at")
    )
    return {"enrolments": list(enrolments), "today": timezone.localdate()}


registry.register_section(
    "workers.worker",
    registry.Section(
        key="predeparture.training",
        title=_("Pre-departure training"),
        template="predeparture/sections/worker_training.html",
        capability="training.view",
        context=_worker_training,
        order=30,
    ),
)


def _session_reminders():
    from predeparture.services import send_session_reminders

    return send_session_reminders()


registry.register_job(registry.ScheduledJob(name="predeparture.session_reminders", run=_session_reminders))


def _seed_training(scale):
    from predeparture.demo import seed_training

    return seed_training(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="predeparture.training", seed=_seed_training, order=40))


TRAINING_RATES_CACHE_KEY = "predeparture.training_rates"


def _count_training_rates() -> list[dict]:
    """Seats filled and completions per district, over sessions completed in the last 90 days: two database counts."""
    from django.db.models import Count, Q, Sum

    from predeparture.models import Enrolment, EnrolmentStatus, Session, SessionStatus

    recent = {"status": SessionStatus.COMPLETED, "ends_at__gte": timezone.now() - timezone.timedelta(days=90)}
    seats = Session.objects.filter(**recent).values("district").annotate(sessions=Count("pk"), capacity=Sum("capacity"))
    finished = [EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED, EnrolmentStatus.NO_SHOW]
    outcomes = {
        row["session__district"]: row
        # order_by(): the enrolments' default order joins each worker for a name the counts never read (0.3 s at a
        # million enrolments).
        for row in Enrolment.objects.filter(**{f"session__{key}": value for key, value in recent.items()})
        .order_by()
        .values("session__district")
        .annotate(
            trained=Count("pk", filter=Q(status__in=finished)),
            completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
        )
    }
    rows = []
    for row in seats.order_by("district"):
        outcome = outcomes.get(row["district"], {"trained": 0, "completed": 0})
        rows.append(
            {
                "district": row["district"],
                "sessions": row["sessions"],
                "fill": round(100 * outcome["trained"] / row["capacity"]) if row["capacity"] else 0,
                "completion": round(100 * outcome["completed"] / outcome["trained"]) if outcome["trained"] else 0,
            }
        )
    return rows


def _training_rates(request):
    """The counts read some 160,000 enrolments at a million workers (0.1 to 0.2 s), on every visit of every officer
    who manages training. A rolling 90-day rate moves slowly, so it is counted at most once per
    DASHBOARD_FIGURES_SECONDS (in the shared cache when REDIS_URL is set) and the panel says when it was counted."""
    from django.conf import settings
    from django.core.cache import cache

    from core.choices import District

    figures = cache.get(TRAINING_RATES_CACHE_KEY)
    if figures is None:
        figures = {"rows": _count_training_rates(), "computed_at": timezone.now()}
        cache.set(TRAINING_RATES_CACHE_KEY, figures, settings.DASHBOARD_FIGURES_SECONDS)
    rows = [dict(row, district=District(row["district"]).label) for row in figures["rows"]]
    return {"rows": rows, "computed_at": figures["computed_at"]}


registry.register_panel(
    registry.Panel(
        key="predeparture.rates",
        title=_("Training in the last 90 days"),
        template="predeparture/panels/rates.html",
        capability="training.manage",
        context=_training_rates,
        order=35,
    )
)
