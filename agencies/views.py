"""Screens of agencies, applications and licences. Thin: fetch through the access
module, validate a form, call one service, say what happened."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies import services
from agencies.filters import AgencyFilter, ApplicationFilter, LicenceFilter
from agencies.forms import (
    AgencyDetailsForm,
    BondForm,
    ConfirmForm,
    DirectorForm,
    DocumentReviewForm,
    DocumentUploadForm,
    NoteForm,
    ReasonForm,
    StartApplicationForm,
)
from agencies.models import (
    Agency,
    ApplicationDocument,
    ApplicationStatus,
    Licence,
    LicenceApplication,
    LicenceStatus,
)
from agencies.queries import application_page, application_queue
from agencies.tables import AgencyTable, ApplicationTable, LicenceTable
from core import access, registry
from core.access import requires
from core.actions import errors_to_messages
from core.lists import RecordListView
from core.reauth import recent_password_required, recently_authenticated

STALE_MESSAGE = gettext_lazy("Someone else changed this record while you were looking at it. Check it and try again.")


# --- Agencies ---------------------------------------------------------------------------


class AgencyListView(RecordListView):
    capability = "agencies.view"
    table_class = AgencyTable
    filterset_class = AgencyFilter
    export_name = "agencies"
    page_title = gettext_lazy("Agencies")

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
            "reason_form": ReasonForm(initial={"seen_status": agency.status}) if may_decide else None,
            "may_edit": access.agency_id_of(request.user) == agency.pk,
            "sections": registry.sections_for(request, agency),
        },
    )


@requires("agencies.own")
def agency_edit(request, pk):
    agency = access.get_visible_or_404(request.user, Agency.objects.all(), pk=pk)
    form = AgencyDetailsForm(request.POST or None, instance=agency)
    if request.method == "POST" and form.is_valid():
        form.instance._change_reason = "edited by agency staff"
        form.save()
        messages.success(request, _("Your agency's details were saved."))
        return redirect("agencies:agency_detail", pk=agency.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": _("Agency details"), "cancel_url": reverse("agencies:agency_detail", args=[agency.pk])},
    )


def _decide_account(request, pk, service, done_message):
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
            messages.error(request, STALE_MESSAGE)
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, done_message)
        return redirect("agencies:agency_detail", pk=agency.pk)
    return render(
        request,
        "agencies/agency_detail.html",
        {"record": agency, "reason_form": form, "sections": registry.sections_for(request, agency)},
        status=400,
    )


@requires("agencies.disable")
def agency_disable(request, pk):
    return _decide_account(request, pk, services.disable_agency_account, _("The agency account was disabled."))


@requires("agencies.disable")
def agency_enable(request, pk):
    return _decide_account(request, pk, services.enable_agency_account, _("The agency account was restored."))


# --- Applications ------------------------------------------------------------------------


class ApplicationListView(RecordListView):
    """Ministry: every application; agency staff: their own agency's."""

    capability = "licensing.view"
    table_class = ApplicationTable
    filterset_class = ApplicationFilter
    export_name = "licence-applications"
    page_title = gettext_lazy("Licence applications")

    def get_queryset(self):
        return (
            LicenceApplication.objects.visible_to(self.request.user).select_related("agency", "officer").order_by("-created_at")
        )


class ApplicationQueueView(ApplicationListView):
    """The licensing officers' work: what waits for the ministry, oldest first."""

    capability = "licensing.review"
    export_name = "application-queue"
    page_title = gettext_lazy("Applications waiting for the ministry")

    def get_queryset(self):
        return application_queue()


@requires("licensing.apply")
def application_start(request):
    agency_id = access.agency_id_of(request.user)
    # The licence page's "Apply for renewal" link preselects a renewal.
    kind = "renewal" if request.GET.get("kind") == "renewal" else "new"
    form = StartApplicationForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        try:
            application = services.start_application(agency_id=agency_id, by=request.user, kind=form.cleaned_data["kind"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your application was opened. Complete each part, then submit it."))
            return redirect("agencies:application_detail", pk=application.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Apply for a licence"),
            "submit_label": _("Start the application"),
            "cancel_url": reverse("core:dashboard"),
        },
    )


def _visible_application(request, pk) -> LicenceApplication:
    return access.get_visible_or_404(request.user, application_page(LicenceApplication.objects.all()), pk=pk)


@requires("licensing.view")
def application_detail(request, pk):
    return _application_page(request, _visible_application(request, pk))


def _application_page(request, application: LicenceApplication, *, status: int = 200, **bound_forms) -> HttpResponse:
    """The application's page; a form that failed is shown again, with its errors next to its fields."""
    user = request.user
    own = access.agency_id_of(user) == application.agency_id
    editable = own and application.status in (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED)
    seen = {"seen_status": application.status}
    context = {
        "record": application,
        "agency": application.agency,
        "own": own,
        "editable": editable,
        "documents": [d for d in application.documents.all() if d.replaced_by_id is None],
        "replaced_documents": [d for d in application.documents.all() if d.replaced_by_id is not None],
        "directors": application.agency.directors.all(),
        "missing": services.missing_details(application) + services.missing_documents(application) if editable else [],
        "director_form": DirectorForm(auto_id="director_%s") if editable else None,
        "bond_form": BondForm(instance=application.bond, auto_id="bond_%s") if editable else None,
        "upload_form": DocumentUploadForm(agency=application.agency, auto_id="upload_%s") if editable else None,
        "confirm_form": ConfirmForm(initial=seen, auto_id="confirm_%s"),
        # Two reason forms on one page: distinct ids, same field names.
        "information_form": ReasonForm(initial=seen, auto_id="information_%s"),
        "reject_form": ReasonForm(initial=seen, auto_id="reject_%s"),
        "note_form": NoteForm(initial=seen, auto_id="note_%s"),
        "review_form": DocumentReviewForm(),
        "actions": _application_actions(user, application),
        "blockers": services.approval_blockers(application)
        if application.status == ApplicationStatus.UNDER_REVIEW and access.can(user, "licensing.decide")
        else [],
        "may_review_documents": application.status == ApplicationStatus.UNDER_REVIEW and access.can(user, "licensing.review"),
        "sections": registry.sections_for(request, application),
    }
    context.update(bound_forms)
    return render(request, "agencies/application_detail.html", context, status=status)


def _application_actions(user, application) -> list[str]:
    """The transitions this user may take on this application now: only these are shown as buttons."""
    own = access.agency_id_of(user) == application.agency_id
    available = {transition.name for transition in application.get_available_user_status_transitions(user)}
    return [name for name, for_agency in APPLICATION_ACTIONS.items() if name in available and (own or not for_agency)]


# transition name -> whether it is the agency's own action
APPLICATION_ACTIONS = {
    "submit": True,
    "resubmit": True,
    "withdraw": True,
    "start_review": False,
    "request_information": False,
    "approve": False,
    "reject": False,
}


class InvalidForm(Exception):
    """A form on the application page did not validate: show the page again with it."""

    def __init__(self, name: str, form):
        super().__init__(name)
        self.name, self.form = name, form


def _checked(name: str, form, service: Callable, **arguments) -> None:
    """Validate ``form``, then call the service; any refusal goes back next to the form's fields."""
    if not form.is_valid():
        raise InvalidForm(name, form)
    try:
        service(**form.cleaned_data, **arguments)
    except ValidationError as error:
        _add_errors(form, error)
        raise InvalidForm(name, form) from None


def _add_errors(form, error: ValidationError) -> None:
    """Put a service's refusal next to the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _editing(request, pk, handler: Callable) -> HttpResponse:
    """Run one change of an editable application (director, bond, document) and go back to its page."""
    application = _visible_application(request, pk)
    if access.agency_id_of(request.user) != application.agency_id:
        raise PermissionDenied
    try:
        message = handler(application)
    except InvalidForm as invalid:
        messages.error(request, _("Please correct the problems below."))
        return _application_page(request, application, status=400, **{invalid.name: invalid.form})
    except ValidationError as error:
        errors_to_messages(request, error)
    else:
        if message:
            messages.success(request, message)
    return redirect("agencies:application_detail", pk=application.pk)


def _form_errors(form) -> ValidationError:
    return ValidationError(
        [
            f"{form.fields[f].label if f in form.fields else ''}: {e}".lstrip(": ")
            for f, errors in form.errors.items()
            for e in errors
        ]
    )


@requires("licensing.apply")
@require_POST
def director_add(request, pk):
    def handle(application):
        form = DirectorForm(request.POST, auto_id="director_%s")
        _checked("director_form", form, services.add_director, application_id=application.pk, by=request.user)
        return _("The director was added.")

    return _editing(request, pk, handle)


@requires("licensing.apply")
@require_POST
def director_remove(request, pk, director_pk):
    def handle(application):
        services.remove_director(application_id=application.pk, director_id=director_pk, by=request.user)
        return _("The director was removed.")

    return _editing(request, pk, handle)


@requires("licensing.apply")
@require_POST
def bond_record(request, pk):
    def handle(application):
        form = BondForm(request.POST, auto_id="bond_%s")
        _checked("bond_form", form, services.record_bond, application_id=application.pk, by=request.user)
        return _("The security bond or guarantee was recorded.")

    return _editing(request, pk, handle)


@requires("licensing.apply")
@require_POST
def document_upload(request, pk):
    def handle(application):
        form = DocumentUploadForm(request.POST, request.FILES, agency=application.agency, auto_id="upload_%s")
        if not form.is_valid():
            raise InvalidForm("upload_form", form)
        director = form.cleaned_data["director"]
        try:
            services.upload_document(
                application_id=application.pk,
                by=request.user,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                content_type=form.content_type,
                director_id=director.pk if director else None,
            )
        except ValidationError as error:
            _add_errors(form, error)
            raise InvalidForm("upload_form", form) from None
        return _("The document was uploaded.")

    return _editing(request, pk, handle)


@requires("licensing.view")
def document_download(request, pk):
    """Documents are served only here, to those who may see the application."""
    document = access.get_visible_or_404(request.user, ApplicationDocument.objects.all(), pk=pk)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@requires("licensing.review")
@require_POST
def document_review(request, pk):
    document = access.get_visible_or_404(request.user, ApplicationDocument.objects.all(), pk=pk)
    form = DocumentReviewForm(request.POST)
    if not form.is_valid():
        errors_to_messages(request, _form_errors(form))
    else:
        try:
            services.review_document(
                document_id=document.pk,
                by=request.user,
                accepted=form.cleaned_data["decision"] == "accept",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, _("The document review was recorded."))
    return redirect("agencies:application_detail", pk=document.application_id)


def _transition_view(service: Callable, capability: str, form_class, done: str, form_name: str = "confirm_form") -> Callable:
    """One POST view per application transition: validate, call the service, say what happened.

    ``form_name`` is the form's name on the application page, where a form
    that fails comes back with its errors next to its fields.
    """

    @requires(capability)
    @require_POST
    def view(request, pk):
        application = _visible_application(request, pk)
        form = form_class(request.POST, auto_id=f"{form_name.removesuffix('_form')}_%s")
        if not form.is_valid():
            messages.error(request, _("Please correct the problems below."))
            return _application_page(request, application, status=400, **{form_name: form})
        arguments = dict(form.cleaned_data)
        try:
            service(application_id=application.pk, by=request.user, **arguments)
        except services.StaleRecord:
            messages.error(request, STALE_MESSAGE)
        except ValidationError as error:
            errors_to_messages(request, error)
        else:
            messages.success(request, done)
        return redirect("agencies:application_detail", pk=application.pk)

    return view


application_submit = _transition_view(
    services.submit_application, "licensing.apply", ConfirmForm, gettext_lazy("Your application was submitted to the ministry.")
)
application_resubmit = _transition_view(
    services.resubmit_application, "licensing.apply", ConfirmForm, gettext_lazy("Your application was sent back to the ministry.")
)
application_withdraw = _transition_view(
    services.withdraw_application, "licensing.apply", ConfirmForm, gettext_lazy("The application was withdrawn.")
)
application_start_review = _transition_view(
    services.start_review, "licensing.review", ConfirmForm, gettext_lazy("You are now reviewing this application.")
)
application_request_information = _transition_view(
    services.request_information,
    "licensing.review",
    ReasonForm,
    gettext_lazy("The agency was asked for more information."),
    form_name="information_form",
)
application_approve = _transition_view(
    services.approve_application,
    "licensing.decide",
    NoteForm,
    gettext_lazy("The application was approved and the licence issued."),
    form_name="note_form",
)
application_reject = _transition_view(
    services.reject_application,
    "licensing.decide",
    ReasonForm,
    gettext_lazy("The application was rejected."),
    form_name="reject_form",
)


# --- Licences --------------------------------------------------------------------------------


class LicenceListView(RecordListView):
    capability = "licensing.view"
    table_class = LicenceTable
    filterset_class = LicenceFilter
    export_name = "licences"
    page_title = gettext_lazy("Licences")

    def get_queryset(self):
        return Licence.objects.visible_to(self.request.user).select_related("agency").order_by("-issued_on", "-pk")


@requires("licensing.view")
def licence_detail(request, pk):
    licence = access.get_visible_or_404(request.user, Licence.objects.select_related("agency"), pk=pk)
    actions = [t.name for t in licence.get_available_user_status_transitions(request.user) if t.name != "expire"]
    own = access.agency_id_of(request.user) == licence.agency_id
    return render(
        request,
        "agencies/licence_detail.html",
        {
            "record": licence,
            "actions": actions,
            "reason_form": ReasonForm(initial={"seen_status": licence.status}),
            "password_confirmation_needed": not recently_authenticated(request),
            "may_renew": own
            and access.can(request.user, "licensing.apply")
            and licence.status in (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED)
            and not licence.agency.applications.open().exists(),
            "valid_today": licence.is_valid_on(timezone.localdate()),
            "sections": registry.sections_for(request, licence),
        },
    )


@requires("licensing.view")
def licence_certificate(request, pk):
    from agencies.certificate import render_certificate

    licence = access.get_visible_or_404(request.user, Licence.objects.select_related("agency"), pk=pk)
    response = HttpResponse(render_certificate(licence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{licence.number}.pdf"'
    return response


def _sanction_view(action: str, done: str, confirm_password: bool = False) -> Callable:
    def view(request, pk):
        licence = access.get_visible_or_404(request.user, Licence.objects.all(), pk=pk)
        form = ReasonForm(request.POST)
        if not form.is_valid():
            errors_to_messages(request, _form_errors(form))
        else:
            try:
                services.sanction_licence(licence_id=licence.pk, action=action, by=request.user, **form.cleaned_data)
            except services.StaleRecord:
                messages.error(request, STALE_MESSAGE)
            except ValidationError as error:
                errors_to_messages(request, error)
            else:
                messages.success(request, done)
        return redirect("agencies:licence_detail", pk=licence.pk)

    if confirm_password:
        # Revocation is for good: the password again unless the officer signed in a few minutes ago.
        view = recent_password_required(view)
    return requires("licensing.sanction")(require_POST(view))


licence_suspend = _sanction_view("suspend", gettext_lazy("The licence was suspended."))
licence_reinstate = _sanction_view("reinstate", gettext_lazy("The licence was reinstated."))
licence_revoke = _sanction_view("revoke", gettext_lazy("The licence was revoked."), confirm_password=True)
