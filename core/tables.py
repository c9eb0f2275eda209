import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.access import Role
from core.lists import DayColumn
from core.models import RegulatoryParameter, User


class UserTable(tables.Table):
    username = tables.LinkColumn("core:user_detail", args=[tables.A("pk")], verbose_name=_("User name"))
    full_name = tables.Column(verbose_name=_("Name"), accessor="get_full_name", order_by=("last_name", "first_name"))
    email = tables.Column(verbose_name=_("E-mail"))
    roles = tables.Column(verbose_name=_("Roles"), accessor="pk", orderable=False)
    is_active = tables.BooleanColumn(verbose_name=_("Active"), yesno=(_("Yes"), _("No")))
    last_login = tables.DateTimeColumn(verbose_name=_("Last sign-in"), format="Y-m-d H:i")

    class Meta:
        model = User
        fields = ["username", "full_name", "email", "roles", "is_active", "last_login"]

    # Left out of exports for roles without "personal_data.export".
    personal_columns = ("full_name", "email")

    def render_roles(self, record):
        return ", ".join(str(Role(group.name).label) for group in record.groups.all() if group.name in Role.values)

    value_roles = render_roles


class ParameterTable(tables.Table):
    key = tables.LinkColumn("core:parameter_detail", args=[tables.A("key")], verbose_name=_("Parameter"), text=lambda r: r.label)
    value = tables.Column(verbose_name=_("Value"))
    unit = tables.Column(verbose_name=_("Unit"), accessor="definition__unit", orderable=False)
    effective_from = DayColumn(verbose_name=_("In force since"))
    note = tables.Column(verbose_name=_("Legal basis or note"))

    class Meta:
        model = RegulatoryParameter
        fields = ["key", "value", "unit", "effective_from", "note"]
