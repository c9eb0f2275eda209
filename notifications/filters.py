import django_filters
from django.utils.translation import gettext_lazy as _

from notifications.models import SmsTemplate


class SmsTemplateFilter(django_filters.FilterSet):
    key = django_filters.CharFilter(label=_("Event"), lookup_expr="icontains")

    class Meta:
        model = SmsTemplate
        fields = ["key", "language"]
