"""Pages of agency accounts: sign-up and e-mail confirmation (public), staff management (the agency's managers)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies import accounts
from agencies.account_forms import AgencySignUpForm, ResendVerificationForm, StaffMemberForm
from agencies.models import AgencyMembership
from core import access
from core.access import PUBLIC, requires

# --- Sign-up and e-mail confirmation ------------------------------------------------------------


@requires(PUBLIC)
def signup(request):
    form = AgencySignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.sign_up_agency(
                agency=form.build_agency(), manager=form.build_manager(), password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("agency_account:signup_done")
    return render(request, "agencies/account/signup.html", {"form": form})


@requires(PUBLIC)
def signup_done(request):
    return render(request, "agencies/account/signup_done.html")


@requires(PUBLIC)
def verify(request, token):
    try:
        accounts.verify_signup(token)
    except accounts.VerificationLinkExpired:
        problem = _("This link has expired: links are good for %(days)s days. Ask for a new one below.") % {
            "days": accounts.VERIFICATION_MAX_AGE.days
        }
    except accounts.VerificationLinkInvalid:
        problem = _("This link is not valid. Check that you copied the whole link from the e-mail, or ask for a new one below.")
    else:
        return render(request, "agencies/account/verified.html")
    return render(
        request, "agencies/account/verify_failed.html", {"problem": problem, "form": ResendVerificationForm()}, status=400
    )


@requires(PUBLIC)
def resend(request):
    form = ResendVerificationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accounts.resend_verification(form.cleaned_data["email"])
        # The same answer whether or not the address is known, so the page reveals nothing.
        messages.success(
            request,
            _("If a sign-up waiting for confirmation uses that address, we have sent it a new link. Check your e-mail."),
        )
        return redirect("agency_account:resend")
    return render(
        request,
        "core/form_page.html",
        {
            "form": form,
            "page_title": _("Ask for a new confirmation link"),
            "submit_label": _("Send a new link"),
            "cancel_url": reverse("core:login"),
        },
    )


# --- Staff management ---------------------------------------------------------------------------


@requires("agencies.manage_staff")
def staff(request):
    """The agency's current staff; managers also add members here. Other staff see the list only."""
    may_manage = accounts.may_manage_staff(request.user)
    form = StaffMemberForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                membership = accounts.invite_staff_member(
                    by=request.user, user=form.save(commit=False), is_manager=form.cleaned_data["is_manager"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("%(user)s was added; an e-mail was sent to %(email)s to choose a password.")
                    % {"user": membership.user, "email": membership.user.email},
                )
                return redirect("agency_account:staff")
    return render(
        request,
        "agencies/account/staff.html",
        {
            "staff": accounts.current_staff(access.agency_id_of(request.user)),
            "form": form,
            "may_manage": may_manage,
            "page_title": _("Your agency's staff"),
        },
    )


@requires("agencies.manage_staff")
def staff_remove(request, pk):
    membership = get_object_or_404(AgencyMembership.objects.visible_to(request.user).select_related("user"), pk=pk)
    if request.method != "POST":
        return redirect("agency_account:staff")
    try:
        accounts.remove_staff_member(by=request.user, membership_id=membership.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("agency_account:staff")
    if membership.user_id == request.user.pk:
        logout(request)
        messages.success(request, _("You have removed yourself from the agency's staff; your account is closed."))
        return redirect("core:login")
    messages.success(request, _("%(user)s no longer has access to the agency's account.") % {"user": membership.user})
    return redirect("agency_account:staff")
