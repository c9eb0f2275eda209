import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract, Employer, JobOrder
from core.lists import DayColumn


class ContractTable(tables.Table):
    reference = tables.LinkColumn("contracts:contract_detail", args=[tables.A("pk")], verbose_name=_("Contract"))
    worker = tables.Column(
        verbose_name=_("Worker"), accessor="worker__full_name", order_by=("worker__last_name", "worker__first_name")
    )
    agency = tables.Column(verbose_name=_("Agency"))
    employer = tables.Column(verbose_name=_("Employer"), accessor="employer__name")
    country = tables.Column(verbose_name=_("Country"), accessor="employer__country__name", orderable=False)
    start_date = DayColumn(verbose_name=_("Starts"))
    end_date = DayColumn(verbose_name=_("Ends"))
    status = tables.Column(verbose_name=_("Status"))

    personal_columns = ("worker",)

    class Meta:
        model = Contract
        fields = ["reference", "worker", "agency", "employer", "country", "start_date", "end_date", "status"]
        order_by = ("-created_at",)


class JobOrderTable(tables.Table):
    reference = tables.LinkColumn("contracts:job_order_detail", args=[tables.A("pk")], verbose_name=_("Job order"))
    agency = tables.Column(verbose_name=_("Agency"))
    employer = tables.Column(verbose_name=_("Employer"), accessor="employer__name")
    occupation = tables.Column(verbose_name=_("Occupation"), accessor="occupation__title")
    positions = tables.Column(verbose_name=_("Positions"))
    valid_until = DayColumn(verbose_name=_("Open until"))
    submitted_at = DayColumn(verbose_name=_("Submitted"))
    status = tables.Column(verbose_name=_("Status"))

    class Meta:
        model = JobOrder
        fields = ["reference", "agency", "employer", "occupation", "positions", "valid_until", "submitted_at", "status"]


class EmployerTable(tables.Table):
    name = tables.LinkColumn("contracts:employer_detail", args=[tables.A("pk")], verbose_name=_("Employer"))
    country = tables.Column(verbose_name=_("Country"), accessor="country__name")
    registration_number = tables.Column(verbose_name=_("Registration number"))
    sector = tables.Column(verbose_name=_("Sector"), accessor="sector__name")
    blacklisted = tables.BooleanColumn(verbose_name=_("Blacklisted"))

    class Meta:
        model = Employer
        fields = ["name", "country", "registration_number", "sector", "blacklisted"]
