"""The public register: anyone may check an agency's licence, without signing in.

Shows only what is safe to show: the agency's names, registration number and
district, and its licence's number, dates and status. Never its people, their
identity numbers or phones, its documents, or the reason behind a sanction.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.certificate import public_status, status_statement
from agencies.models import Licence
from core.access import PUBLIC, requires
from core.ratelimit import rate_limited
from core.text import normalise_reference

PAGE_SIZE = 50
# Generous for a person, tight for a scraper walking every page or guessing numbers.
REQUESTS_PER_MINUTE = 60
# How licence numbers are written: PEA-2026-0001.
LICENCE_NUMBER = re.compile(r"^PEA-\d{4}-\d{4,6}$")
MAX_QUERY_LENGTH = 100


def latest_licences() -> QuerySet:
    """One row per agency that holds or held a licence: its latest licence, with the agency, ordered by name."""
    latest = Licence.objects.filter(agency=OuterRef("agency")).order_by("-issued_on", "-pk").values("pk")[:1]
    return Licence.objects.filter(pk=Subquery(latest)).select_related("agency").order_by("agency__legal_name", "agency__pk")


def matching(queryset: QuerySet, text: str) -> QuerySet:
    """Rows whose agency's legal or trading name, or any of its licence numbers, contains ``text``."""
    numbered = Licence.objects.filter(agency=OuterRef("agency"), number__icontains=text)
    return queryset.filter(Q(agency__legal_name__icontains=text) | Q(agency__trading_name__icontains=text) | Exists(numbered))


@requires(PUBLIC)
@rate_limited("register-index", REQUESTS_PER_MINUTE, 60)
def index(request: Any) -> HttpResponse:
    # No NUL: PostgreSQL cannot compare a string holding one (a 500), and no name or number has one.
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    licences = latest_licences()
    if query:
        licences = matching(licences, query)
    page = Paginator(licences, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for licence in page:
        licence.public_status = public_status(licence, today)
    context = {"page_obj": page, "query": query, "page_title": _("Licensed recruitment agencies")}
    return render(request, "agencies/public/index.html", context)


@requires(PUBLIC)
@rate_limited("register-verify", REQUESTS_PER_MINUTE, 60)
def verify(request: Any, token: str) -> HttpResponse:
    licence = Licence.objects.select_related("agency").filter(public_token=token).first()
    if licence is None:
        return render(request, "agencies/public/not_found.html", {"page_title": _("Licence not found")}, status=404)
    today = timezone.localdate()
    status = public_status(licence, today)
    context = {
        "licence": licence,
        "agency": licence.agency,
        "status": status,
        "statement": status_statement(licence, today),
        # The date of the last decision; not when the status shown is only the calendar's doing.
        "status_since": licence.status_changed_at if status == licence.status else None,
        "page_title": _("Licence %(number)s") % {"number": licence.number},
    }
    return render(request, "agencies/public/verify.html", context)


@requires(PUBLIC)
@rate_limited("register-lookup", REQUESTS_PER_MINUTE, 60)
def lookup(request: Any) -> HttpResponse:
    raw = request.GET.get("number")
    context: dict[str, Any] = {"number": (raw or "").strip()[:MAX_QUERY_LENGTH], "page_title": _("Check a licence number")}
    if raw is None:
        return render(request, "agencies/public/lookup.html", context)
    number = normalise_reference(raw)
    if not number:
        context["error"] = _("Type the licence number, for example PEA-2026-0001.")
        return render(request, "agencies/public/lookup.html", context)
    if len(number) > 20 or not LICENCE_NUMBER.match(number):
        context["error"] = _("“%(number)s” is not a licence number. Licence numbers look like PEA-2026-0001.") % {
            "number": context["number"]
        }
        return render(request, "agencies/public/lookup.html", context)
    token = Licence.objects.filter(number=number).values_list("public_token", flat=True).first()
    if token is None:
        context["error"] = _(
            "There is no licence numbered %(number)s in the register. An agency without a licence may not recruit: "
            "do not pay it anything."
        ) % {"number": number}
        return render(request, "agencies/public/lookup.html", context, status=404)
    return redirect("register:verify", token=token)
