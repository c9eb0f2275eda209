from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from agencies import services
from agencies.filters import AgencyFilter
from agencies.forms import ReasonForm
from agencies.models import Agency
from agencies.tables import AgencyTable
from core import access, registry
from core.access import requires
from core.lists import RecordListView


class AgencyListView(RecordListView):
    capability = "agencies.view"
    table_class = AgencyTable
    filterset_class = AgencyFilter
    export_name = "agencies"

    @property
    def page_title(self):
        return _("Agencies")

    def get_queryset(self):
        return Agency.objects.visible_to(self.request.user).order_by("legal_name")


@requires("agencies.view")
def agency_detail(request, pk):
    agency = access.get_visible_or_404(request.user, Agency.objects.all(), pk=pk)
    may_decide = access.can(request.user, "agencies.disable")
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "record": agency,
            "staff": agency.memberships.filter(ended_at__isnull=True).select_related("user")
            if access.is_ministry(request.user) or access.agency_id_of(request.user) == agency.pk
            else [],
            "reason_form": ReasonForm(initial={"seen_status": agency.status}) if may_decide else None,
            "sections": registry.sections_for(request, agency),
        },
    )


def _decide(request, pk, service, done_message):
    agency = access.get_visible_or_404(request.user, Agency.objects.all(), pk=pk)
    if request.method != "POST":
        return redirect("agencies:agency_detail", pk=agency.pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(
                agency_id=agency.pk,
                by=request.user,
                reason=form.cleaned_data["reason"],
                seen_status=form.cleaned_data["seen_status"],
            )
        except services.StaleRecord:
            messages.error(
                request, _("Someone else changed this agency while you were looking at it. Check its status and try again.")
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done_message)
        return redirect("agencies:agency_detail", pk=agency.pk)
    return render(
        request,
        "agencies/agency_detail.html",
        {"record": agency, "staff": [], "reason_form": form, "sections": registry.sections_for(request, agency)},
        status=400,
    )


@requires("agencies.disable")
def agency_disable(request, pk):
    return _decide(request, pk, services.disable_agency_account, _("The agency account was disabled."))


@requires("agencies.disable")
def agency_enable(request, pk):
    return _decide(request, pk, services.enable_agency_account, _("The agency account was restored."))
