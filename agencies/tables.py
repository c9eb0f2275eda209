import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency


class AgencyTable(tables.Table):
    legal_name = tables.LinkColumn("agencies:agency_detail", args=[tables.A("pk")], verbose_name=_("Legal name"))
    trading_name = tables.Column(verbose_name=_("Trading name"))
    registration_number = tables.Column(verbose_name=_("Registration number"))
    district = tables.Column(verbose_name=_("District"))
    status = tables.Column(verbose_name=_("Account"))

    class Meta:
        model = Agency
        fields = ["legal_name", "trading_name", "registration_number", "district", "status"]
