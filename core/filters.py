import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import registry
from core.access import Role
from core.lists import NamedModelChoiceField
from core.models import RegulatoryParameter, User


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter among many records (a thousand agencies) whose drop-down reads only their names:
    ``NamedModelChoiceFilter(queryset=..., name_fields=("trading_name", "legal_name"))``."""

    field_class = NamedModelChoiceField


class FoldedFiltersMixin:
    """Filters few visits need (those the compliance reports' figures link with) are folded under "More filters" on
    the list page, and shown open when one of them is in use."""

    folded_filters: tuple[str, ...] = ()

    @property
    def folded_in_use(self) -> bool:
        return any(self.data.get(name) for name in self.folded_filters if name in self.filters)


class RegisteredFiltersMixin(FoldedFiltersMixin):
    """A FilterSet that also offers the filters later apps registered for its ``list_key``
    (``core.registry.register_list_filter``). A value outside the choices is a form error, shown as a message."""

    list_key = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for extra in registry.list_filters_for(self.list_key):
            # An empty first choice: without one the first real choice would look chosen.
            choices = [("", _("All")), *extra.choices(self.request)]
            added = django_filters.ChoiceFilter(
                label=extra.label, choices=choices, empty_label=None, method=self._applier(extra.apply)
            )
            added.parent = self
            added.model = self.queryset.model
            self.filters[extra.name] = added

    @staticmethod
    def _applier(apply):
        return lambda queryset, name, value: apply(queryset, value)


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
