from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.i18n import set_language as django_set_language
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from core import access, reauth, registry, services, two_factor
from core.access import PUBLIC, SIGNED_IN, CapabilityRequiredMixin, requires
from core.filters import ParameterFilter, UserFilter
from core.forms import LoginForm, MinistryUserForm, OneTimeCodeForm, ParameterValueForm
from core.lists import RecordListView
from core.models import RegulatoryParameter, User
from core.parameters import DEFINITIONS
from core.queries import parameters_in_force, users_for_list
from core.tables import ParameterTable, UserTable

logger = logging.getLogger(__name__)


# --- Signing in and out -------------------------------------------------------


class LoginView(CapabilityRequiredMixin, auth_views.LoginView):
    """The only sign-in view: the password. Every page after it sends the user to the second step
    (core.access._enforce), which comes back to the page they asked for."""

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
    user = request.user
    return render(
        request,
        "core/account.html",
        {
            "roles": [access.Role(r).label for r in sorted(access.roles_of(user))],
            "authenticator": two_factor.authenticator_of(user),
            "backup_codes_left": two_factor.backup_codes_left(user),
            "two_factor_required": access.is_ministry(user),
        },
    )


# --- Two-step sign-in ---------------------------------------------------------
# Ministry staff must pass it in every session; agency staff once they set it up.
# Enforced by core.access; these screens are the only ones open before it.

NEW_BACKUP_CODES = "two_factor_new_backup_codes"


def _next_url(request) -> str:
    """The page the user asked for before the second step, if it is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return reverse("core:dashboard")


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


@requires(SIGNED_IN, before_second_step=True)
def two_factor_setup(request):
    """Set up an authenticator app: scan the QR code (or type the secret), then confirm with its first code."""
    user, next_url = request.user, _next_url(request)
    if two_factor.authenticator_of(user) is not None:
        if two_factor.is_verified(user):
            messages.info(request, _("Your authenticator app is already set up."))
            return redirect("core:account")
        return redirect(_with_next("core:two_factor_verify", next_url))
    if user_has_device(user) and not two_factor.is_verified(user):
        # Backup codes only (the demo): pass the second step with one before adding an app.
        return redirect(_with_next("core:two_factor_verify", next_url))
    device = two_factor.pending_authenticator(user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_authenticator(user=user, device_id=device.pk, token=form.cleaned_data["otp_token"].strip()):
            device.refresh_from_db()
            otp_login(request, device)
            reauth.mark_authenticated(request)
            request.session[NEW_BACKUP_CODES] = two_factor.new_backup_codes(user)
            messages.success(request, _("Your authenticator app is set up. Keep these backup codes somewhere safe."))
            return redirect(_with_next("core:two_factor_backup_codes", next_url))
        form.add_error(
            "otp_token",
            _("That code is not right. Check that the app shows this account, and enter the code it shows now."),
        )
    return render(
        request,
        "core/two_factor_setup.html",
        {
            "form": form,
            "next": next_url,
            "qr_code": two_factor.qr_svg(device.config_url),
            "secret": two_factor.secret_for_typing(device),
            "required": access.is_ministry(user),
        },
    )


@requires(SIGNED_IN, before_second_step=True)
def two_factor_verify(request):
    """The second step of signing in: a code from the app or a backup code. Wrong codes count toward the lockout."""
    user, next_url = request.user, _next_url(request)
    due = two_factor.second_step_due(user)
    if due is None:
        return redirect(next_url)
    if due == two_factor.SETUP:
        return redirect(_with_next("core:two_factor_setup", next_url))
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.match_code(user, form.cleaned_data["otp_token"])
        if device is not None:
            otp_login(request, device)
            reauth.mark_authenticated(request)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("You used a backup code; %(count)s are left. Make new ones from your account page.") % {"count": left},
                )
            return redirect(next_url)
        if two_factor.record_failed_code(request):
            # Too many wrong codes: signed out; the lockout middleware answers with the lockout page.
            logout(request)
            return redirect("core:login")
        form.add_error(
            "otp_token",
            _("That code is not right. Enter the code your app shows now (it changes every 30 seconds), or a backup code."),
        )
    return render(request, "core/two_factor_verify.html", {"form": form, "next": next_url})


@requires(SIGNED_IN)
def two_factor_backup_codes(request):
    """Backup codes: shown once when made; making new ones makes the old ones useless."""
    user = request.user
    if not user_has_device(user):
        return redirect("core:two_factor_setup")
    if request.method == "POST":
        request.session[NEW_BACKUP_CODES] = two_factor.new_backup_codes(user)
        messages.success(request, _("New backup codes were made; the old ones no longer work."))
        return redirect("core:two_factor_backup_codes")
    codes = request.session.pop(NEW_BACKUP_CODES, None)
    return render(
        request,
        "core/two_factor_backup_codes.html",
        {"codes": codes, "left": two_factor.backup_codes_left(user), "next": _next_url(request)},
    )


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
            "has_authenticator": two_factor.authenticator_of(record) is not None,
            "sections": registry.sections_for(request, record),
        },
    )


@requires("users.manage")
@reauth.recent_password_required
def user_two_factor_reset(request, pk):
    """An administrator removes a user's authenticator and backup codes (a lost phone); recorded in the user's history."""
    record = _ministry_user_or_404(request, pk)
    form = forms.Form(request.POST if request.method == "POST" else None)  # nothing to fill in: the button is the answer
    if request.method == "POST" and form.is_valid():
        two_factor.reset_two_factor(by=request.user, user_id=record.pk)
        messages.success(request, _("The two-step sign-in of %(user)s was reset.") % {"user": record})
        return redirect("core:user_detail", pk=record.pk)
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Reset the two-step sign-in of %(user)s") % {"user": record},
            "intro": _(
                "Their authenticator app and backup codes stop working. Ministry staff set up a new app at their "
                "next sign-in; agency staff sign in with their password only until they set one up again."
            ),
            "submit_label": _("Reset the two-step sign-in"),
            "cancel_url": reverse("core:user_detail", args=[record.pk]),
        },
    )


@requires("users.manage")
@reauth.recent_password_required
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
