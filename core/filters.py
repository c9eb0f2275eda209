import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import Role
from core.models import RegulatoryParameter, User


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, field_name="groups__name")
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["q", "role", "is_active"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
        )


class ParameterFilter(django_filters.FilterSet):
    class Meta:
        model = RegulatoryParameter
        fields = []
