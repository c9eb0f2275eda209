"""Read paths of core, each with its joins, so no page runs a query per row."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from core.models import RegulatoryParameter, User


def users_for_list() -> QuerySet:
    return User.objects.prefetch_related("groups").order_by("username")


def parameters_in_force(on=None) -> QuerySet:
    """For each parameter, the row in force today (one query)."""
    on = on or timezone.localdate()
    current = (
        RegulatoryParameter.objects.filter(key=OuterRef("key"), effective_from__lte=on)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return RegulatoryParameter.objects.filter(pk=Subquery(current)).order_by("key")
