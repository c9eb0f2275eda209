"""Read paths of agencies, each with its joins, so that no page runs a query per row."""

import datetime

from django.db.models import Exists, OuterRef, QuerySet

from agencies.models import (
    ApplicationStatus,
    Licence,
    LicenceApplication,
    LicenceStatus,
    SecurityBond,
)
from core.choices import Currency
from core.parameters import parameter_value

AWAITING_MINISTRY = [ApplicationStatus.SUBMITTED, ApplicationStatus.RESUBMITTED, ApplicationStatus.UNDER_REVIEW]


def applications_for_list() -> QuerySet:
    return LicenceApplication.objects.select_related("agency", "officer").order_by("-created_at")


def application_queue() -> QuerySet:
    """The licensing officers' queue: applications waiting for the ministry, oldest first."""
    return applications_for_list().filter(status__in=AWAITING_MINISTRY).order_by("submitted_at", "pk")


def application_page(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("agency", "bond", "officer", "licence", "renews").prefetch_related(
        "documents__director", "documents__reviewed_by", "agency__directors"
    )


def covering_bond(on: datetime.date, required) -> QuerySet:
    return SecurityBond.objects.filter(
        agency=OuterRef("agency"), valid_until__gte=on, amount__gte=required, currency__in=[Currency.LSL, Currency.ZAR]
    )


def licences_with_bond_problems(on: datetime.date) -> QuerySet:
    """Licences in force whose agency has no bond or guarantee covering today's required amount."""
    required = parameter_value("licence.bond_amount", on)
    return (
        Licence.objects.filter(status__in=[LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED])
        .annotate(bond_ok=Exists(covering_bond(on, required)))
        .filter(bond_ok=False)
        .select_related("agency")
    )
