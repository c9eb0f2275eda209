import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from notifications.models import SmsTemplate


class SmsTemplateTable(tables.Table):
    key = tables.LinkColumn("notifications:template_edit", args=[tables.A("pk")], verbose_name=_("Event"))
    language = tables.Column(verbose_name=_("Language"))
    body = tables.Column(verbose_name=_("Text"))
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="Y-m-d H:i")

    class Meta:
        model = SmsTemplate
        fields = ["key", "language", "body", "updated_at"]
