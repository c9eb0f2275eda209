from django.utils.translation import gettext_lazy as _

from core import access, registry


def _own_agency(request):
    from agencies.models import Agency

    agency_id = access.agency_id_of(request.user)
    return {"agency": Agency.objects.filter(pk=agency_id).first()}


def _agency_counts(request):
    from agencies.models import Agency, AgencyStatus

    return {
        "active": Agency.objects.filter(status=AgencyStatus.ACTIVE).count(),
        "disabled": Agency.objects.filter(status=AgencyStatus.DISABLED).count(),
    }


registry.register_nav(registry.NavItem(_("Agencies"), "agencies:agency_list", "agencies.view", order=10))
registry.register_panel(
    registry.Panel(
        key="agencies.own",
        title=_("Your agency"),
        template="agencies/panels/own_agency.html",
        capability="agencies.own",
        context=_own_agency,
        order=10,
    )
)
registry.register_panel(
    registry.Panel(
        key="agencies.counts",
        title=_("Agency accounts"),
        template="agencies/panels/agency_counts.html",
        capability="agencies.disable",
        context=_agency_counts,
        order=20,
    )
)


def _seed_agencies(scale):
    from agencies.demo import seed_agencies

    return seed_agencies(scale)


registry.register_demo_seeder(registry.DemoSeeder(name="agencies.agencies", seed=_seed_agencies, order=20))
