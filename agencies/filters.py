import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from agencies.models import Agency, ApplicationStatus, Licence, LicenceApplication, LicenceStatus
from core.dates import moment_within
from core.filters import RegisteredFiltersMixin


class AgencyFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    # Later apps add filters here (contracts: agencies active under an agreement).
    list_key = "agencies.agency"
    folded_filters = ("active_under",)
    q = django_filters.CharFilter(label=_("Search"), method="search")

    class Meta:
        model = Agency
        fields = ["q", "district", "status"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(legal_name__icontains=value) | Q(trading_name__icontains=value) | Q(registration_number__icontains=value)
        )


class ApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ApplicationStatus.choices)

    class Meta:
        model = LicenceApplication
        fields = ["status", "kind"]


SANCTION_CHOICES = [("suspended", _("Suspended")), ("revoked", _("Revoked"))]


def suspended_within(start, end) -> Q:
    """Licences suspended on a day from ``start`` to ``end``. Read from the transition log: a licence may be suspended
    and reinstated within the period, and ``status_changed_at`` keeps only its last change."""
    suspensions = StateLog.objects.filter(
        moment_within("timestamp", start, end),
        content_type__app_label="agencies",
        content_type__model="licence",
        state=LicenceStatus.SUSPENDED,
        object_id=OuterRef("pk"),
    )
    return Q(Exists(suspensions))


def revoked_within(start, end) -> Q:
    """Licences revoked on a day from ``start`` to ``end`` (revocation is final, so its date column is enough)."""
    return Q(status=LicenceStatus.REVOKED) & moment_within("status_changed_at", start, end)


class LicenceFilter(RegisteredFiltersMixin, django_filters.FilterSet):
    # Later apps add filters here (contracts: licences of agencies active under an agreement).
    list_key = "agencies.licence"
    folded_filters = ("sanction", "sanction_from", "sanction_to", "active_under")
    q = django_filters.CharFilter(label=_("Search"), method="search")
    sanction = django_filters.ChoiceFilter(label=_("Sanction"), choices=SANCTION_CHOICES, method="filter_sanction")
    sanction_from = django_filters.DateFilter(label=_("Sanctioned from"), method="filter_sanction")
    sanction_to = django_filters.DateFilter(label=_("Sanctioned to"), method="filter_sanction")

    class Meta:
        model = Licence
        fields = ["q", "status", "sanction", "sanction_from", "sanction_to"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(number__icontains=value) | Q(agency__legal_name__icontains=value))

    def filter_sanction(self, queryset, name, value):
        """Applied once, when the sanction is named, with its period (an open end: none)."""
        if name != "sanction" or not value:
            return queryset
        start, end = self.form.cleaned_data.get("sanction_from"), self.form.cleaned_data.get("sanction_to")
        return queryset.filter(suspended_within(start, end) if value == "suspended" else revoked_within(start, end))
