"""The site's URLs, plus Django's admin at /bench-admin/ with the contracts changelist (benchmarks/settings.py)."""

from django.contrib import admin
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from contracts.models import Contract

site = admin.AdminSite(name="bench_admin")


@admin.register(Contract, site=site)
class ContractAdmin(admin.ModelAdmin):
    """Our contract list's columns, its filters that choose among records (status, agreement, agency, sector: a
    thousand agencies in both), search, order and page size, set up the way the admin's documentation advises for
    big tables (related rows joined, no second count of the whole table)."""

    list_display = ("reference", "worker", "agency", "employer", "employer_country", "start_date", "end_date", "status")
    list_select_related = ("worker", "agency", "employer__country")
    list_filter = ("status", "agreement", "agency", "sector")
    search_fields = ("=reference", "=worker__national_id", "=worker__passport_number", "^worker__last_name")
    ordering = ("-created_at", "-id")
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="Country")
    def employer_country(self, contract):
        return contract.employer.country.name

    def get_queryset(self, request):
        return super().get_queryset(request).defer("compliance")


urlpatterns = [path("bench-admin/", site.urls), *site_urlpatterns]
