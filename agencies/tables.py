import django_tables2 as tables
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Licence, LicenceApplication
from core.lists import DayColumn


class AgencyTable(tables.Table):
    legal_name = tables.LinkColumn("agencies:agency_detail", args=[tables.A("pk")], verbose_name=_("Legal name"))
    trading_name = tables.Column(verbose_name=_("Trading name"))
    registration_number = tables.Column(verbose_name=_("Registration number"))
    district = tables.Column(verbose_name=_("District"))
    status = tables.Column(verbose_name=_("Account"))

    class Meta:
        model = Agency
        fields = ["legal_name", "trading_name", "registration_number", "district", "status"]


class ApplicationTable(tables.Table):
    reference = tables.LinkColumn(
        "agencies:application_detail", args=[tables.A("pk")], verbose_name=_("Application"), order_by=("pk",)
    )
    agency = tables.Column(verbose_name=_("Agency"), order_by=("agency__legal_name",))
    kind = tables.Column(verbose_name=_("Kind"))
    status = tables.Column(verbose_name=_("Status"))
    submitted_at = tables.DateTimeColumn(verbose_name=_("Submitted"), format="Y-m-d")
    waiting_days = tables.Column(verbose_name=_("Days waiting"), accessor="submitted_at", orderable=False, empty_values=())
    officer = tables.Column(verbose_name=_("Officer"))

    class Meta:
        model = LicenceApplication
        fields = ["reference", "agency", "kind", "status", "submitted_at", "waiting_days", "officer"]

    def render_waiting_days(self, value):
        if value is None:
            return "—"
        return (timezone.now() - value).days

    value_waiting_days = render_waiting_days


class LicenceTable(tables.Table):
    number = tables.LinkColumn("agencies:licence_detail", args=[tables.A("pk")], verbose_name=_("Licence"))
    agency = tables.Column(verbose_name=_("Agency"), order_by=("agency__legal_name",))
    status = tables.Column(verbose_name=_("Status"))
    valid_from = DayColumn(verbose_name=_("Valid from"))
    expires_on = DayColumn(verbose_name=_("Expires on"))

    class Meta:
        model = Licence
        fields = ["number", "agency", "status", "valid_from", "expires_on"]
