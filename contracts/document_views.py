"""Downloads of a contract's papers: the printed contract, the clearance and the signed copy.

Each is fetched through the access module, so staff of another agency get a
404 whatever the URL; the signed copy is served only from private storage,
through this view.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpResponse

from contracts.documents import render_clearance, render_contract
from contracts.models import HOLDS_POSITION, Contract, DeploymentClearance
from core import access
from core.access import requires

# The printed contract is the approved terms: a draft or a refused contract has none.
PRINTABLE_STATES = HOLDS_POSITION


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("contracts.view")
def contract_pdf(request, pk):
    contract = access.get_visible_or_404(
        request.user,
        Contract.objects.filter(status__in=PRINTABLE_STATES).select_related(
            "worker", "agency", "employer__country", "agreement", "occupation"
        ),
        pk=pk,
    )
    return _pdf(render_contract(contract), f"{contract.reference}.pdf")


@requires("contracts.view")
def clearance_pdf(request, pk):
    """The clearance of the contract ``pk`` (404 while it has none)."""
    clearance = access.get_visible_or_404(
        request.user,
        DeploymentClearance.objects.select_related("contract__worker", "contract__agency", "contract__employer__country"),
        contract_id=pk,
    )
    return _pdf(render_clearance(clearance), f"{clearance.number}.pdf")


@requires("contracts.view")
def signed_copy(request, pk):
    contract = access.get_visible_or_404(request.user, Contract.objects.all(), pk=pk)
    if not contract.signed_copy:
        raise Http404
    try:
        handle = contract.signed_copy.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = contract.signed_copy_type or "application/octet-stream"
    extension = mimetypes.guess_extension(content_type) or ""
    response = FileResponse(
        handle, as_attachment=True, filename=f"{contract.reference}-signed{extension}", content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
