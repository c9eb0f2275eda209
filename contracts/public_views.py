"""Public verification of a deployment clearance, for border officials: no login, rate-limited.

The page shows only what lets an official match the paper to the person in
front of them (initials, year of birth) and the terms they need to check
(agency, employer, country, dates, validity today); never a full name, an
identity or passport number, or a phone. A lookup by clearance number also
needs the passport number, so a number alone reveals nothing.
"""

from __future__ import annotations

import re

from django import forms
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.documents import clearance_statement
from contracts.models import DeploymentClearance
from core.access import PUBLIC, requires
from core.ratelimit import rate_limited
from core.text import normalise_reference
from predeparture.certificate import initials

PUBLIC_REQUESTS_PER_MINUTE = 30
CLEARANCE_NUMBER = re.compile(r"^DC-\d{4}-\d{6}$")
PUBLIC_RELATED = ("contract__worker", "contract__agency", "contract__employer__country")


class ClearanceLookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("Clearance number"), max_length=20, help_text=gettext_lazy("For example DC-2026-000123.")
    )
    passport_number = forms.CharField(label=gettext_lazy("Worker's passport number"), max_length=30)


def _public_context(clearance: DeploymentClearance) -> dict:
    contract = clearance.contract
    worker = contract.worker
    today = timezone.localdate()
    return {
        "clearance": clearance,
        "contract": contract,
        "initials": initials(worker.first_name, worker.last_name),
        "year_of_birth": worker.date_of_birth.year,
        "agency": str(contract.agency),
        "employer": contract.employer.name,
        "country": contract.employer.country.name,
        "valid": clearance.is_valid_on(today),
        "statement": clearance_statement(clearance, today),
        "page_title": _("Deployment clearance %(number)s") % {"number": clearance.number},
    }


@requires(PUBLIC)
@rate_limited("clearance-verify", PUBLIC_REQUESTS_PER_MINUTE, 60)
def verify(request, token):
    clearance = DeploymentClearance.objects.select_related(*PUBLIC_RELATED).filter(public_token=token).first()
    if clearance is None:
        return render(request, "contracts/public/not_found.html", {"page_title": _("Clearance not found")}, status=404)
    return render(request, "contracts/public/verify.html", _public_context(clearance))


@requires(PUBLIC)
@rate_limited("clearance-lookup", PUBLIC_REQUESTS_PER_MINUTE, 60)
def lookup(request):
    """By clearance number AND the worker's passport number: a number alone reveals nothing."""
    form = ClearanceLookupForm(request.GET or None)
    context = {"form": form, "page_title": _("Check a deployment clearance")}
    if form.is_valid():
        number = normalise_reference(form.cleaned_data["number"])
        passport = normalise_reference(form.cleaned_data["passport_number"])
        clearance = None
        if CLEARANCE_NUMBER.match(number) and passport:
            clearance = DeploymentClearance.objects.filter(number=number, contract__worker__passport_number=passport).first()
        if clearance is None:
            context["error"] = _("No clearance matches this number and passport number.")
            return render(request, "contracts/public/lookup.html", context, status=404)
        return redirect("clearance:verify", token=clearance.public_token)
    return render(request, "contracts/public/lookup.html", context)
