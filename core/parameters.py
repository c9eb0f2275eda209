"""Regulatory parameters: values the law lets the ministry change.

The Labour Act 2024 leaves fees, bonds, validity periods and the like to
regulation, so they are database rows with an effective date, edited by the
administrator (first values seeded by core/migrations/0003). A record is
judged by the value in force on the date that matters to it (an
application, by its submission date). The list of what
can be set is here, in one place; the values are in the database.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ParameterDefinition:
    key: str
    label: str
    unit: str  # a currency code, "months", "days" or "points"
    whole_number: bool = False


DEFINITIONS: dict[str, ParameterDefinition] = {
    d.key: d
    for d in [
        ParameterDefinition("licence.fee", _("Licence application fee"), "LSL"),
        ParameterDefinition("licence.renewal_fee", _("Licence renewal fee"), "LSL"),
        ParameterDefinition("licence.bond_amount", _("Security bond or bank guarantee required"), "LSL"),
        ParameterDefinition("licence.validity_months", _("Licence validity"), "months", whole_number=True),
        ParameterDefinition("licence.reminder_days_first", _("First expiry reminder"), "days", whole_number=True),
        ParameterDefinition("licence.reminder_days_second", _("Second expiry reminder"), "days", whole_number=True),
        ParameterDefinition("licence.reminder_days_last", _("Last expiry reminder"), "days", whole_number=True),
        ParameterDefinition(
            "corrective_action.reminder_days", _("Corrective action reminder before due date"), "days", whole_number=True
        ),
        # The inspection risk score (inspections/risk.py): points per factor.
        ParameterDefinition("risk.weight_complaints", _("Risk weight: each complaint in the last 12 months"), "points"),
        ParameterDefinition("risk.weight_findings", _("Risk weight: each open minor finding"), "points"),
        ParameterDefinition("risk.weight_major_finding", _("Risk weight: each open major finding"), "points"),
        ParameterDefinition("risk.weight_critical_finding", _("Risk weight: each open critical finding"), "points"),
        ParameterDefinition("risk.weight_days_since_audit", _("Risk weight: each month since the last audit"), "points"),
        ParameterDefinition("risk.weight_new_licence", _("Risk weight: licence in its first six months"), "points"),
        ParameterDefinition("risk.weight_deployed_per_100", _("Risk weight: each 100 workers deployed"), "points"),
        ParameterDefinition("risk.weight_suspensions", _("Risk weight: each past suspension"), "points"),
        # How long personal data is kept (docs/data-protection.md, "How long"; notifications/retention.py applies them).
        ParameterDefinition(
            "retention.sms_text_days", _("Retention: SMS texts, days after sending or receipt"), "days", whole_number=True
        ),
        ParameterDefinition(
            "retention.sms_number_days", _("Retention: phone numbers in SMS records, days"), "days", whole_number=True
        ),
        # core/retention.py and workers/retention.py apply these.
        ParameterDefinition(
            "retention.sign_in_failure_days", _("Retention: failed sign-in records, days"), "days", whole_number=True
        ),
        ParameterDefinition(
            "retention.sign_in_log_days", _("Retention: records of sign-ins, days"), "days", whole_number=True
        ),
        ParameterDefinition(
            "retention.worker_import_days", _("Retention: uploaded workers' files, days after the upload"), "days",
            whole_number=True,
        ),
        # Service deadlines for workers' complaints, by category.
        *[
            ParameterDefinition(f"complaints.deadline_days.{category}", label, "days", whole_number=True)
            for category, label in (
                ("fees", _("Complaint deadline: fees charged")),
                ("substitution", _("Complaint deadline: contract substitution")),
                ("wages", _("Complaint deadline: wages unpaid")),
                ("documents", _("Complaint deadline: documents withheld")),
                ("abuse", _("Complaint deadline: abuse")),
                ("other", _("Complaint deadline: other")),
            )
        ],
    ]
}


class MissingParameter(LookupError):
    pass


def parameter_value(key: str, on: datetime.date) -> Decimal:
    """The value of parameter ``key`` in force on date ``on``."""
    return parameter_values([key], on)[key]


def parameter_values(keys: list[str], on: datetime.date) -> dict[str, Decimal]:
    """The values of parameters ``keys`` in force on date ``on``, in one query (the risk score reads eight)."""
    from core.models import RegulatoryParameter

    for key in keys:
        if key not in DEFINITIONS:
            raise KeyError(f"Unknown regulatory parameter {key!r}: add it to core.parameters.DEFINITIONS")
    values: dict[str, Decimal] = {}
    for key, value in (
        RegulatoryParameter.objects.filter(key__in=keys, effective_from__lte=on)
        .order_by("key", "-effective_from")
        .values_list("key", "value")
    ):
        values.setdefault(key, value)  # the latest in force comes first
    for key in keys:
        if key not in values:
            raise MissingParameter(f"No value of {key} is in force on {on:%Y-%m-%d}")
    return values
