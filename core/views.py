from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.i18n import set_language as django_set_language

from core import access, registry, services
from core.access import PUBLIC, SIGNED_IN, CapabilityRequiredMixin, requires
from core.filters import ParameterFilter, UserFilter
from core.forms import LoginForm, MinistryUserForm, ParameterValueForm
from core.lists import RecordListView
from core.models import RegulatoryParameter, User
from core.parameters import DEFINITIONS
from core.queries import parameters_in_force, users_for_list
from core.tables import ParameterTable, UserTable

logger = logging.getLogger(__name__)


# --- Signing in and out -------------------------------------------------------


class LoginView(CapabilityRequiredMixin, auth_views.LoginView):
    """The only sign-in view: two-factor sign-in, when added, goes here."""

    capability = PUBLIC
    template_name = "core/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # Show the user's own language from their first page on.
        language = self.request.user.preferred_language
        translation.activate(language)
        response.set_cookie("django_language", language, samesite="Lax")
        return response


class LogoutView(CapabilityRequiredMixin, auth_views.LogoutView):
    capability = PUBLIC


class PasswordChangeView(CapabilityRequiredMixin, auth_views.PasswordChangeView):
    capability = SIGNED_IN
    template_name = "core/form_page.html"
    extra_context = {
        "page_title": gettext_lazy("Change your password"),
        "submit_label": gettext_lazy("Change the password"),
        "cancel_url": reverse_lazy("core:account"),
    }
    success_url = reverse_lazy("core:account")

    def form_valid(self, form):
        messages.success(self.request, _("Your password has been changed."))
        return super().form_valid(form)


class PasswordResetView(CapabilityRequiredMixin, auth_views.PasswordResetView):
    capability = PUBLIC
    template_name = "core/form_page.html"
    extra_context = {
        "page_title": gettext_lazy("Reset your password"),
        "submit_label": gettext_lazy("Send the link"),
        "cancel_url": reverse_lazy("core:login"),
    }
    email_template_name = "core/email/password_reset.txt"
    subject_template_name = "core/email/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")


class PasswordResetDoneView(CapabilityRequiredMixin, auth_views.PasswordResetDoneView):
    capability = PUBLIC
    template_name = "core/password_reset_done.html"


class PasswordResetConfirmView(CapabilityRequiredMixin, auth_views.PasswordResetConfirmView):
    capability = PUBLIC
    template_name = "core/password_reset_confirm.html"
    success_url = reverse_lazy("core:password_reset_complete")


class PasswordResetCompleteView(CapabilityRequiredMixin, auth_views.PasswordResetCompleteView):
    capability = PUBLIC
    template_name = "core/password_reset_complete.html"


@requires(PUBLIC)
def set_language(request):
    """Django's language switch (a plain form POST, so it works without JavaScript)."""
    response = django_set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(User._meta.get_field("preferred_language").choices):
        User.objects.filter(pk=request.user.pk).update(preferred_language=language)
    return response


# --- My work ------------------------------------------------------------------


@requires("dashboard.view")
def dashboard(request):
    return render(request, "core/dashboard.html", {"panels": registry.panels_for(request)})


@requires(SIGNED_IN)
def home(request):
    return redirect("core:dashboard")


@requires(SIGNED_IN)
def account(request):
    return render(request, "core/account.html", {"roles": [access.Role(r).label for r in sorted(access.roles_of(request.user))]})


# --- Users (administrator) ----------------------------------------------------


class UserListView(RecordListView):
    capability = "users.manage"
    table_class = UserTable
    filterset_class = UserFilter
    export_name = "users"
    create_url_name = "core:user_create"
    create_capability = "users.manage"

    @property
    def page_title(self):
        return _("Users")

    def get_queryset(self):
        return access.visible_to(self.request.user, users_for_list())


def _ministry_user_or_404(request, pk):
    return access.get_visible_or_404(request.user, User.objects.all(), pk=pk)


@requires("users.manage")
def user_create(request):
    form = MinistryUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_ministry_user(by=request.user, user=form.save(commit=False), roles=form.cleaned_data["roles"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("The account was created and an e-mail sent to %(email)s to set a password.") % {"email": user.email}
            )
            return redirect("core:user_detail", pk=user.pk)
    return render(
        request,
        "core/form_page.html",
        {"form": form, "page_title": _("New ministry user"), "cancel_url": reverse("core:user_list")},
    )


@requires("users.manage")
def user_detail(request, pk):
    record = _ministry_user_or_404(request, pk)
    return render(
        request,
        "core/user_detail.html",
        {
            "record": record,
            "roles": [access.Role(g.name).label for g in record.groups.all() if g.name in access.Role.values],
            "sections": registry.sections_for(request, record),
        },
    )


@requires("users.manage")
def user_edit(request, pk):
    record = _ministry_user_or_404(request, pk)
    if access.Role.AGENCY_STAFF in access.roles_of(record):
        messages.error(request, _("This is an agency account; its agency manages it."))
        return redirect("core:user_detail", pk=record.pk)
    form = MinistryUserForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_ministry_user(by=request.user, user=form.save(commit=False), roles=form.cleaned_data["roles"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The account was saved."))
            return redirect("core:user_detail", pk=record.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Edit %(user)s") % {"user": record},
            "cancel_url": reverse("core:user_detail", args=[record.pk]),
        },
    )


# --- Regulatory parameters ----------------------------------------------------


class ParameterListView(RecordListView):
    capability = "parameters.view"
    table_class = ParameterTable
    filterset_class = ParameterFilter
    export_name = "regulatory-parameters"

    @property
    def page_title(self):
        return _("Regulatory parameters")

    def get_queryset(self):
        return parameters_in_force()


def _definition_or_404(key):
    if key not in DEFINITIONS:
        raise Http404
    return DEFINITIONS[key]


@requires("parameters.view")
def parameter_detail(request, key):
    definition = _definition_or_404(key)
    values = list(RegulatoryParameter.objects.filter(key=key).select_related("created_by").order_by("-effective_from"))
    today = timezone.localdate()
    in_force = next((row for row in values if row.effective_from <= today), None)
    return render(
        request,
        "core/parameter_detail.html",
        {
            "definition": definition,
            "values": values,
            "in_force": in_force,
            "may_manage": access.can(request.user, "parameters.manage"),
            "sections": registry.sections_for(request, in_force) if in_force else [],
        },
    )


@requires("parameters.manage")
def parameter_add(request, key):
    definition = _definition_or_404(key)
    form = ParameterValueForm(request.POST or None, key=key)
    if request.method == "POST" and form.is_valid():
        try:
            services.schedule_parameter_value(by=request.user, key=key, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The new value was recorded."))
            return redirect("core:parameter_detail", key=key)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("New value: %(parameter)s") % {"parameter": definition.label},
            "cancel_url": reverse("core:parameter_detail", args=[key]),
        },
    )


# --- Health and errors --------------------------------------------------------


@requires(PUBLIC)
def healthz(request):
    """200 when the database answers, 503 when it does not; reports the task queue too."""
    status = {"database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "unhealthy", never a 500
        logger.exception("health check: database unreachable")
        return JsonResponse({"database": "unreachable", "tasks": "unknown"}, status=503)
    try:
        from django_tasks_db.models import DBTaskResult

        waiting = DBTaskResult.objects.filter(status="READY").count()
        status["tasks"] = {"backend": "database", "waiting": waiting}
    except Exception:
        logger.exception("health check: task queue unreadable")
        status["tasks"] = "unreadable"
    return JsonResponse(status)


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
